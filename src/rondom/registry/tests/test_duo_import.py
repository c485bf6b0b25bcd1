"""Importing schools from DUO's school lists: tolerant of DUO's column variants, idempotent, all-or-nothing."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from rondom.accounts.models import Organisation
from rondom.registry.duo_import import import_schools

pytestmark = pytest.mark.django_db
DATA = Path(__file__).parent / "data"


def schools() -> dict[str, tuple[str, str, str]]:
    return {
        o.brin6: (o.name, o.school_type, o.municipality.name)  # type: ignore[union-attr]
        for o in Organisation.objects.filter(kind="school").select_related("municipality")
    }


def test_a_recent_file_with_bom_quotes_and_crlf_is_imported() -> None:
    report = import_schools(DATA / "duo_recent.csv")
    assert (report.created, report.updated, report.unchanged, report.errors) == (3, 0, 0, [])
    assert schools() == {
        "01AB00": ("De Esch", "po", "Zwolle"),
        "02CD01": ("De Wadden", "sbo", "Zwolle"),
        "03EF00": ("Kampen Noord", "po", "Kampen"),
    }


def test_importing_the_same_file_again_changes_nothing() -> None:
    import_schools(DATA / "duo_recent.csv")
    again = import_schools(DATA / "duo_recent.csv")
    assert (again.created, again.updated, again.unchanged) == (0, 0, 3)


def test_a_changed_name_is_updated() -> None:
    import_schools(DATA / "duo_recent.csv")
    Organisation.objects.filter(brin="01AB").update(name="Oude naam")
    assert import_schools(DATA / "duo_recent.csv").updated == 1
    assert schools()["01AB00"][0] == "De Esch"


def test_the_older_bo_adres_format_needs_a_school_type_and_accepts_both_vestiging_forms() -> None:
    refused = import_schools(DATA / "duo_bo_adres.csv")
    assert refused.errors and Organisation.objects.count() == 0
    report = import_schools(DATA / "duo_bo_adres.csv", school_type="po")
    assert report.created == 2
    assert schools()["04GH00"] == ("Het Mozaïek", "po", "Zwolle")


def test_secondary_files_with_instellingsnaam_vestiging() -> None:
    import_schools(DATA / "duo_vo.csv")
    assert schools() == {
        "05JK00": ("Thomas a Kempis College", "vo", "Zwolle"),
        "06LM00": ("Praktijkschool De Boog", "pro", "Zwolle"),
    }


def test_a_latin1_file_is_read() -> None:
    import_schools(DATA / "duo_latin1.csv")
    assert schools()["07NP00"][0] == "Café School Zwolle"


def test_a_file_with_bad_rows_writes_nothing_and_reports_every_bad_row() -> None:
    report = import_schools(DATA / "duo_bad.csv")
    assert Organisation.objects.count() == 0
    assert [(e.row, e.column) for e in report.errors] == [(3, "INSTELLINGSCODE"), (4, "VESTIGINGSNAAM")]
    assert "twee cijfers en twee hoofdletters" in report.errors[0].reason
    assert "Naam ontbreekt" in report.errors[1].reason


def test_a_missing_column_is_named_with_the_accepted_variants() -> None:
    report = import_schools(DATA / "duo_missing.csv")
    assert len(report.errors) == 1
    assert "Verplichte kolom ontbreekt" in report.errors[0].reason
    assert "GEMEENTENAAM" in report.errors[0].reason


def test_the_command_reports_counts_and_refuses_bad_files(capsys) -> None:  # type: ignore[no-untyped-def]
    call_command("import_duo_schools", str(DATA / "duo_recent.csv"))
    assert "nieuw: 3" in capsys.readouterr().out
    with pytest.raises(CommandError, match="rij 3"):
        call_command("import_duo_schools", str(DATA / "duo_bad.csv"))
    call_command("import_duo_schools", str(DATA / "duo_vo.csv"), "--dry-run")
    assert Organisation.objects.count() == 3
