"""The functioneel beheerder loads the school's roster, then a teacher sees only her group, in a real browser
(issue 15, acceptance: "the functioneel beheerder uploads a roster, then a teacher signs in and sees only her
group").

The EDEXML file is made by the test, inside the demo server's database (the school's own system knows its pupils
by their keys): De Esch's full export with every current pupil, the demo teacher Lotte de Vries teaching
"Groep 5A" (matched by her e-mail address), Noor and Emma in her group with one new pupil, and Daan moved to
"Groep 4A". The beheerder uploads it, reads the trial run (the new pupil to be added, nothing changed yet),
confirms, and sees the import done; Lotte then finds her group on her children list and not Daan.

Needs the group rule of the access policy (issue 15, point 2: a teacher sees only the pupils of the groups she
teaches); without it a teacher still sees the whole school and the last step fails."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from .conftest import manage
from .test_ib_day import log_in

pytestmark = pytest.mark.browser

NEW_PUPIL = ("Sven", "Nieuwenhuis")
#: Writes De Esch's export to the given path: every current pupil kept, Daan moved to Groep 4A, one new pupil in
#: Lotte's Groep 5A.
WRITE = """
from datetime import datetime, time
from django.utils import timezone
from rondom.accounts.models import Organisation
from rondom.demo import rosters
from rondom.roster.edexml_writer import write_edexml
from rondom.roster.types import RosterGroup, RosterPupil
today = timezone.localdate()
esch = Organisation.objects.get(name="Basisschool De Esch")
kept = rosters.known_pupils(esch, today)
daan = {k: p for k, p in kept.items() if (p.given_name, p.family_name) == ("Daan", "Bakker")}
others = {k: p for k, p in kept.items() if k not in daan}
new = rosters.Pupil("E2E-SVEN", "%(given)s", "%(family)s", today.replace(year=today.year - 8), 8)
roster = rosters.build_roster(esch, [new], today=today, kept=others)
roster.groups.append(RosterGroup("12AB-4X", "Groep 4A", "4"))
for key, pupil in daan.items():
    roster.pupils.append(RosterPupil(key, pupil.given_name, pupil.family_name, pupil.date_of_birth, "12AB-4X",
                                     bsn=pupil.bsn))
open("%(path)s", "wb").write(write_edexml(roster, created=datetime.combine(today, time(7, 0))))
"""


def test_the_beheerder_uploads_a_roster_then_a_teacher_sees_only_her_group(
    page: Page, base_url: str, demo_env: dict[str, str], tmp_path: Path
) -> None:
    export = tmp_path / "de-esch.xml"
    manage(demo_env, "shell", "-c", WRITE % {"given": NEW_PUPIL[0], "family": NEW_PUPIL[1], "path": export})

    # 1. The beheerder's menu leads to the upload; the trial run comes first.
    log_in(page, base_url, demo_env, "beheer")
    page.get_by_role("link", name="Leerlingen inlezen").click()
    expect(page.get_by_role("heading", name="Leerlingen inlezen", exact=True)).to_be_visible()
    page.get_by_label("EDEXML-bestand uit de leerlingadministratie").check()
    page.get_by_label(re.compile("^Bestand")).set_input_files(str(export))
    page.get_by_role("button", name="Proefdraaien").click()

    # 2. The trial run's report: the new pupil to be added, nothing changed yet; then the confirmation.
    expect(page.get_by_role("heading", name="Proefdraaien: wat het inlezen zou veranderen")).to_be_visible()
    added = page.locator("#roster-added")
    added.locator("summary").click()
    expect(added).to_contain_text(" ".join(NEW_PUPIL))
    page.get_by_role("button", name="Bevestigen en inlezen").click()
    expect(page.get_by_text("Het inlezen is klaar.")).to_be_visible()
    page.get_by_role("button", name="Uitloggen").click()

    # 3. The teacher sees her group (Noor, Emma and the new pupil), not Daan, who is now in another group.
    log_in(page, base_url, demo_env, "leerkracht")
    children = page.locator("main")
    expect(children.get_by_role("link", name=re.compile(r"^Noor H"))).to_be_visible()
    expect(children.get_by_role("link", name=re.compile(r"^Emma M"))).to_be_visible()
    expect(children.get_by_role("link", name=re.compile(rf"^{NEW_PUPIL[0]} N"))).to_be_visible()
    expect(children.get_by_role("link", name=re.compile(r"^Daan B"))).to_have_count(0)
