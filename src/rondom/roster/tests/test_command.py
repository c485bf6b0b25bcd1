"""The import_roster command: the same service and checks as the web, a Dutch report per row, non-zero exit."""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.utils import translation

from rondom.accounts.models import Organisation, User
from rondom.registry.models import Child, Guardianship
from rondom.roster.models import RosterMapping

from .conftest import DATA

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[4]


def _run(*args: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    with translation.override("nl"):
        call_command("import_roster", *args, "--no-progress", stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_dry_run_then_import_then_parents(school: Organisation, beheerder: User, teachers: dict[str, User]) -> None:
    xml = str(DATA / "de-vlinder-2026.xml")
    out, _ = _run(xml, "--school", "07VL00", "--user", beheerder.username, "--today", "2026-09-14", "--dry-run")
    assert out.startswith("Proefimport (er is niets opgeslagen): 3 nieuw, 0 gewijzigd, 0 vertrokken")
    assert "leerkracht T3 Noor Smit: geen account gevonden" in out
    assert not Child.objects.exists()
    out, _ = _run(xml, "--school", "07VL", "--user", beheerder.username, "--today", "2026-09-14")
    assert out.startswith("3 nieuw") and Child.objects.filter(school=school).count() == 3
    RosterMapping.objects.create(
        school=school,
        name="ouders",
        kind="parents",
        columns={"pupil_key": "Leerlingnummer", "given_name": "Voornaam", "voorvoegsel": "Tussenvoegsel",
                 "family_name": "Achternaam", "relation": "Relatie", "has_authority": "Gezag", "email": "E-mail"},
    )  # fmt: skip
    out, _ = _run(str(DATA / "de-vlinder-ouders.csv"), "--school", "07VL00", "--mapping", "ouders", "--parents")
    assert "ouders: 3 nieuw" in out and Guardianship.objects.count() == 4


def test_a_refused_file_prints_a_dutch_line_per_row_and_fails(
    school: Organisation, beheerder: User, tmp_path: Path
) -> None:
    broken = tmp_path / "kapot.xml"
    broken.write_text(
        (DATA / "de-vlinder-2026.xml")
        .read_text()
        .replace("2014-11-02", "02-11-2014")
        .replace('key="G8A"/>', 'key="X"/>')
    )
    with pytest.raises(CommandError, match="geweigerd: 4 fout"):
        _run(str(broken), "--school", "07VL00", "--user", beheerder.username)
    out, err = io.StringIO(), io.StringIO()
    with translation.override("nl"), pytest.raises(CommandError):
        call_command("import_roster", str(broken), "--school", "07VL00", "--no-progress", stdout=out, stderr=err)
    assert "rij 33, veld geboortedatum: Dit is geen datum (JJJJ-MM-DD)." in err.getvalue()
    assert "veld groep: Deze groep staat niet in het bestand." in err.getvalue()
    assert not Child.objects.exists()


def test_someone_else_is_refused(school: Organisation) -> None:
    from tests.factories import MembershipFactory

    teacher = MembershipFactory(organisation=school, role="teacher").user
    with pytest.raises(CommandError, match="functioneel beheerder"):
        _run(str(DATA / "de-vlinder-2026.xml"), "--school", "07VL00", "--user", teacher.username)
    assert not Child.objects.exists()


def test_the_exit_code_is_not_zero_on_refusal() -> None:
    done = subprocess.run(
        [sys.executable, "manage.py", "import_roster", str(DATA / "de-vlinder-2026.xml"), "--school", "00XX00"],
        cwd=ROOT, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert done.returncode != 0
