"""The roster import of issue 15 (acceptance): EDEXML and a mapped CSV give the same roster; a second import changes
nothing; a later export without a pupil marks him or her as left and keeps the case; a broken row refuses the whole
file with a Dutch row report; BSN beats the key; parents; dry run; logging; only the functioneel beheerder."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import translation

from rondom.accounts.models import Organisation, User
from rondom.audit.models import AccessLogEntry, AdministrationLogEntry
from rondom.cases.models import Case, SupportTeam
from rondom.registry.models import Child, GroupTeacher, Guardianship, PupilKey, RefusedBsn, SchoolGroup
from rondom.roster.edexml import parse_edexml, parse_edexml_text
from rondom.roster.mapped import read_parents, read_pupils
from rondom.roster.models import RosterMapping
from rondom.roster.services import apply_parents, apply_roster, apply_roster_as_system
from rondom.roster.types import Roster, RosterRefused
from tests.factories import MembershipFactory, SchoolFactory, make_bsn

from .conftest import DATA, TODAY

pytestmark = pytest.mark.django_db

XML = DATA / "de-vlinder-2026.xml"


@pytest.fixture
def pupils_mapping(school: Organisation) -> RosterMapping:
    return RosterMapping.objects.create(
        school=school,
        name="ParnasSys leerlingen",
        kind="pupils",
        columns={
            "key": "Leerlingnummer",
            "given_name": "roepnaam",
            "voorvoegsel": "VOORVOEGSEL",
            "family_name": "Achternaam",
            "date_of_birth": "Geboorte datum",
            "group": "Groep",
            "bsn": "BSN",
            "teacher_email": "Leerkracht e-mail",
        },
    )


@pytest.fixture
def parents_mapping(school: Organisation) -> RosterMapping:
    return RosterMapping.objects.create(
        school=school,
        name="ParnasSys ouders",
        kind="parents",
        columns={
            "pupil_key": "Leerlingnummer",
            "given_name": "Voornaam",
            "voorvoegsel": "Tussenvoegsel",
            "family_name": "Achternaam",
            "relation": "Relatie",
            "has_authority": "Gezag",
            "email": "E-mail",
            "phone": "Telefoon",
        },
    )


def _state(school: Organisation) -> dict[str, Any]:
    """The roster as the database holds it, in the school's own terms (no ids, no group keys)."""
    children = {
        (c.given_name, c.family_name, c.date_of_birth, c.group, c.school_group.name if c.school_group else "", c.bsn)
        for c in Child.objects.filter(school=school).select_related("school_group")
    }
    groups = {(g.name, g.jaargroep, g.school_year, g.ended_on) for g in SchoolGroup.objects.filter(school=school)}
    links = {
        (link.group.name, link.membership.user.email.lower())
        for link in GroupTeacher.objects.filter(group__school=school, ended_on__isnull=True).select_related(
            "group", "membership__user"
        )
    }
    keys = set(PupilKey.objects.filter(school=school).values_list("key", "child__given_name"))
    return {"children": children, "groups": groups, "links": links, "keys": keys}


def _counts() -> tuple[int, ...]:
    return (
        Child.objects.count(),
        PupilKey.objects.count(),
        SchoolGroup.objects.count(),
        GroupTeacher.objects.count(),
        Guardianship.objects.count(),
        User.objects.count(),
        AccessLogEntry.objects.count(),
        AdministrationLogEntry.objects.count(),
    )


def _xml(pupils: str, *, brin: str = "07VL", groups: str = "") -> str:
    groups = groups or '<groep key="G7B"><naam>7B</naam><jaargroep>7</jaargroep></groep>'
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<EDEX>\n<school><schooljaar>2026-2027</schooljaar>'
        f"<brincode>{brin}</brincode><dependancecode>00</dependancecode></school>\n"
        f"<groepen>{groups}</groepen>\n<leerlingen>\n{pupils}\n</leerlingen>\n</EDEX>\n"
    )


def _pupil(key: str, name: str, born: str = "2015-04-12", group: str = "G7B", extra: str = "") -> str:
    return (
        f'<leerling key="{key}"><achternaam>Test</achternaam><roepnaam>{name}</roepnaam>'
        f'<geboortedatum>{born}</geboortedatum><groep key="{group}"/>{extra}</leerling>'
    )


class _Undo(Exception):
    pass


def test_an_edexml_file_and_a_mapped_csv_of_the_same_school_give_the_same_roster(
    school: Organisation, beheerder: User, teachers: dict[str, User], pupils_mapping: RosterMapping
) -> None:
    states = []
    for read in (
        lambda: parse_edexml(XML),
        lambda: read_pupils(DATA / "de-vlinder-leerlingen.csv", pupils_mapping, school=school, school_year="2026-2027"),
    ):
        try:
            with transaction.atomic():
                report = apply_roster(beheerder, school, read(), today=TODAY)
                assert (len(report.added), report.groups_added, report.teachers_linked) == (3, 2, 2)
                assert [name.split()[0] for name in report.teachers_unmatched] == [
                    "T3" if "T3" in report.teachers_unmatched[0] else "n.smit@vlinder.example"
                ]
                states.append(_state(school))
                raise _Undo
        except _Undo:
            pass
    assert states[0] == states[1]
    assert ("Fenna", "van der Vliet", date(2015, 4, 12), "7B", "7B", "100000137") in states[0]["children"]
    assert states[0]["links"] == {("7B", "m.vanthof@vlinder.example"), ("8A", "s.dekker@vlinder.example")}
    assert states[0]["keys"] == {("1001", "Fenna"), ("1002", "Tijmen"), ("1003", "Isa")}


def test_a_second_identical_import_changes_nothing(school: Organisation, beheerder: User, teachers: Any) -> None:
    apply_roster(beheerder, school, parse_edexml(XML), today=TODAY)
    before = _counts()
    versions = dict(Child.objects.values_list("pk", "updated_at"))
    report = apply_roster(beheerder, school, parse_edexml(XML), today=TODAY + timedelta(days=7))
    assert (report.added, report.changed, report.ended, report.unchanged) == ([], [], [], 3)
    assert (report.groups_added, report.groups_changed, report.groups_ended) == (0, 0, 0)
    assert (report.teachers_linked, report.teachers_unlinked) == (0, 0)
    assert _counts() == before  # no new rows anywhere, no log rows either
    assert dict(Child.objects.values_list("pk", "updated_at")) == versions  # nothing rewritten


def test_a_later_export_without_one_pupil_marks_her_as_left_and_keeps_her_case(
    school: Organisation, beheerder: User, teachers: Any
) -> None:
    apply_roster(beheerder, school, parse_edexml(XML), today=TODAY)
    isa = Child.objects.get(given_name="Isa")
    case = Case.objects.create(
        child=isa, team=SupportTeam.objects.create(school=school), question="Lezen", decision_due=TODAY
    )
    later = parse_edexml(XML)
    later.pupils = [p for p in later.pupils if p.key != "1003"]
    report = apply_roster(beheerder, school, later, today=date(2027, 1, 8))
    assert report.ended == ["Isa ter Kolk"] and report.unchanged == 2
    isa.refresh_from_db()
    assert isa.left_school_on == date(2027, 1, 8)
    assert (isa.school_id, isa.school_group_id, isa.group) == (None, None, "")  # out of the school's lists
    assert isa.version == 2
    assert Case.objects.filter(pk=case.pk, child=isa).exists()  # the case stays
    assert not Child.objects.filter(school=school, given_name="Isa").exists()
    assert AccessLogEntry.objects.filter(child_id=isa.pk, object_id="roster:left", action="update").count() == 1
    # She comes back in a later export: the same child again (found by her key), at the school.
    report = apply_roster(beheerder, school, parse_edexml(XML), today=date(2027, 2, 1))
    isa.refresh_from_db()
    assert (report.added, isa.school_id, isa.left_school_on) == ([], school.pk, None)


def test_a_broken_row_refuses_the_whole_file_with_a_dutch_row_report(school: Organisation, beheerder: User) -> None:
    text = _xml(
        "\n".join(
            [
                _pupil("1", "Anna"),
                _pupil("2", "Bram", born="2015-13-40"),
                _pupil("3", "Cas", group="G9X"),
                _pupil("4", "Daan", extra="<bsn>123456789</bsn>"),
                _pupil("1", "Eva"),
                '<leerling key="6"><achternaam>Test</achternaam><geboortedatum>2015-01-01</geboortedatum></leerling>',
            ]
        )
    )
    before = _counts()
    with translation.override("nl"), pytest.raises(RosterRefused) as refused:
        apply_roster(beheerder, school, parse_edexml_text(text), today=TODAY)
    errors = {(e.row, e.field): e.message for e in refused.value.errors}
    assert errors == {
        (7, "geboortedatum"): "Dit is geen datum (JJJJ-MM-DD).",
        (8, "groep"): "Deze groep staat niet in het bestand.",
        # The neutral answer of every refused BSN (also one of a child at another school; records.services).
        (9, "bsn"): (
            "Dit BSN kan niet worden opgeslagen. Controleer de 9 cijfers (ze moeten de elfproef doorstaan); "
            "klopt het nummer, neem dan contact op met uw functioneel beheerder."
        ),
        (10, "key"): "Deze leerlingsleutel staat meer dan eens in het bestand.",
        (11, "roepnaam"): "Dit veld is verplicht.",
    }
    assert _counts() == before  # nothing written


def test_a_file_of_another_school_is_refused(school: Organisation, beheerder: User) -> None:
    with translation.override("nl"), pytest.raises(RosterRefused) as refused:
        apply_roster(beheerder, school, parse_edexml_text(_xml(_pupil("1", "Anna"), brin="99ZZ")), today=TODAY)
    [error] = refused.value.errors
    assert (error.row, error.field) == (0, "brincode") and "99ZZ00" in error.message and "07VL00" in error.message
    assert not Child.objects.exists()


def test_matching_by_bsn_beats_the_key(school: Organisation, beheerder: User) -> None:
    bsn = make_bsn(41)
    apply_roster(
        beheerder, school, parse_edexml_text(_xml(_pupil("A1", "Anna", extra=f"<bsn>{bsn}</bsn>"))), today=TODAY
    )
    anna = Child.objects.get()
    # The school system renumbered her: a new key, the same BSN, and her name written differently.
    again = parse_edexml_text(_xml(_pupil("Z9", "Anne", extra=f"<bsn>{bsn[:3]} {bsn[3:6]} {bsn[6:]}</bsn>")))
    report = apply_roster(beheerder, school, again, today=TODAY)
    assert report.added == [] and report.changed == ["Z9 Anne Test"] and report.ended == []
    assert Child.objects.get().pk == anna.pk
    assert set(PupilKey.objects.filter(child=anna).values_list("key", flat=True)) == {"A1", "Z9"}


def test_a_bsn_of_a_child_at_another_school_is_refused_neutrally_not_moved(
    school: Organisation, beheerder: User
) -> None:
    """A move between schools is a warm transfer (issue 16), never a roster import: a row whose BSN is that of a
    child now at another school is refused with the neutral answer of every refused BSN, and the attempt is
    recorded for the privacy officer (RefusedBsn, without the number)."""
    elsewhere = SchoolFactory(municipality=school.municipality)
    child = Child.objects.create(
        given_name="Anna", family_name="Test", date_of_birth=date(2015, 4, 12), school=elsewhere,
        home_municipality=school.municipality,
    )  # fmt: skip
    bsn = make_bsn(42)
    child.set_bsn(bsn)
    child.save()
    with translation.override("nl"), pytest.raises(RosterRefused) as refused:
        apply_roster(
            beheerder, school, parse_edexml_text(_xml(_pupil("A1", "Anna", extra=f"<bsn>{bsn}</bsn>"))), today=TODAY
        )
    [error] = refused.value.errors
    assert error.field == "bsn" and error.message.startswith("Dit BSN kan niet worden opgeslagen.")
    assert bsn not in error.message
    child.refresh_from_db()
    assert (child.school_id, child.group) == (elsewhere.pk, "")
    assert list(RefusedBsn.objects.values_list("user", "school", "child_id_edited")) == [
        (beheerder.pk, school.pk, None)
    ]


def test_a_bsn_of_a_child_who_left_school_re_enrols_the_child(school: Organisation, beheerder: User) -> None:
    child = Child.objects.create(
        given_name="Anna", family_name="Test", date_of_birth=date(2015, 4, 12), school=None,
        home_municipality=school.municipality, left_school_on=date(2026, 7, 1),
    )  # fmt: skip
    bsn = make_bsn(43)
    child.set_bsn(bsn)
    child.save()
    report = apply_roster(
        beheerder, school, parse_edexml_text(_xml(_pupil("A1", "Anna", extra=f"<bsn>{bsn}</bsn>"))), today=TODAY
    )
    child.refresh_from_db()
    assert (report.added, len(report.changed), child.school_id, child.left_school_on) == ([], 1, school.pk, None)


@pytest.mark.parametrize("bsn", ["10000013\uff17", "10000013\u0667", "1000001\u00b37"])
def test_a_bsn_with_digits_other_than_ascii_is_a_row_error(school: Organisation, beheerder: User, bsn: str) -> None:
    with translation.override("nl"), pytest.raises(RosterRefused) as refused:
        parse_edexml_text(_xml(_pupil("1", "Anna", extra=f"<bsn>{bsn}</bsn>")))
    [error] = refused.value.errors
    assert (error.row, error.field) == (6, "bsn")
    assert error.message.startswith("Het BSN mag alleen de cijfers 0-9")


def test_dry_run_writes_nothing_and_reports_what_would_change(
    school: Organisation, beheerder: User, teachers: Any
) -> None:
    apply_roster(beheerder, school, parse_edexml(XML), today=TODAY)
    before = _counts()
    later = parse_edexml(XML)
    later.pupils = [replace(p, given_name="Fenne") if p.key == "1001" else p for p in later.pupils if p.key != "1002"]
    later.groups = [g for g in later.groups if g.key != "G8A"]
    later.teachers = [t for t in later.teachers if t.key == "T1"]
    report = apply_roster(beheerder, school, later, today=TODAY, dry_run=True)
    assert report.dry_run
    assert (report.added, report.changed, report.ended) == (
        [],
        ["1001 Fenna van der Vliet".replace("Fenna", "Fenne")],
        ["Tijmen Brink"],
    )
    assert (report.groups_ended, report.teachers_unlinked) == (1, 1)
    assert _counts() == before
    assert Child.objects.get(given_name="Fenna").version == 1
    assert not SchoolGroup.objects.filter(ended_on__isnull=False).exists()


def test_every_change_of_identity_data_is_logged(school: Organisation, beheerder: User) -> None:
    apply_roster(beheerder, school, parse_edexml_text(_xml(_pupil("1", "Anna"))), today=TODAY)
    anna = Child.objects.get()
    added = AccessLogEntry.objects.get(child_id=anna.pk)
    assert (added.action, added.category, added.object_id, added.user_id) == (
        "create",
        "identity",
        "roster:added",
        beheerder.pk,
    )
    assert added.ground == "school_role" and added.role == "functional_admin"
    text = _xml(
        _pupil("1", "Anneke", born="2015-04-13", group="G8A"),
        groups='<groep key="G7B"><naam>7B</naam></groep><groep key="G8A"><naam>8A</naam></groep>',
    )
    apply_roster(beheerder, school, parse_edexml_text(text), today=TODAY)
    anna.refresh_from_db()
    assert (anna.given_name, anna.date_of_birth, anna.group, anna.version) == ("Anneke", date(2015, 4, 13), "8A", 2)
    changed = AccessLogEntry.objects.filter(child_id=anna.pk, action="update").get()
    assert changed.object_id == "roster:given,born,group"  # which parts changed, never the values
    admin_rows = AdministrationLogEntry.objects.filter(action="roster_import", organisation_id=school.pk)
    assert admin_rows.count() == 2
    assert admin_rows.order_by("seq").last().detail["fields_changed"] == [
        "date_of_birth",
        "given_name",
        "group",
        "school_group_id",
    ]
    assert "Anneke" not in str(admin_rows.last().detail)


def test_only_the_functioneel_beheerder_of_the_school_imports(school: Organisation) -> None:
    roster = parse_edexml(XML)
    other_school = SchoolFactory()
    for user in (
        MembershipFactory(organisation=school, role="intern_begeleider").user,
        MembershipFactory(organisation=school, role="teacher").user,
        MembershipFactory(organisation=other_school, role="functional_admin").user,
        None,
    ):
        with pytest.raises(PermissionDenied):
            apply_roster(user, school, roster, today=TODAY)
    assert not Child.objects.exists()
    # The system path is explicit, and logs on its named rule.
    report = apply_roster_as_system(school, roster, today=TODAY)
    assert len(report.added) == 3
    assert set(AccessLogEntry.objects.values_list("ground_ref", "user_name").distinct()) == {
        ("rule:roster_import", "systeem")
    }


def test_parents_import(school: Organisation, beheerder: User, parents_mapping: RosterMapping) -> None:
    apply_roster(beheerder, school, parse_edexml(XML), today=TODAY)
    parents = read_parents(DATA / "de-vlinder-ouders.csv", parents_mapping)
    report = apply_parents(beheerder, school, parents, today=TODAY)
    assert (report.parents_added, report.parents_changed) == (3, 0)
    fenna, isa, tijmen = (Child.objects.get(given_name=n) for n in ("Fenna", "Isa", "Tijmen"))
    anouk = User.objects.get(email__iexact="anouk.vdvliet@example.org")  # one account for the mother of two
    assert (anouk.first_name, anouk.last_name, anouk.has_usable_password()) == ("Anouk", "van der Vliet", False)
    assert set(Guardianship.objects.filter(user=anouk).values_list("child_id", "relation", "has_authority")) == {
        (fenna.pk, "parent", True),
        (isa.pk, "parent", True),
    }
    stief = Guardianship.objects.get(child=fenna, user__last_name="Bakker")
    assert (stief.relation, stief.has_authority) == ("step_parent", False)
    assert Guardianship.objects.get(child=tijmen).relation == "guardian"
    before = _counts()
    again = apply_parents(beheerder, school, read_parents(DATA / "de-vlinder-ouders.csv", parents_mapping), today=TODAY)
    assert (again.parents_added, again.parents_changed, again.unchanged) == (0, 0, 4)
    assert _counts() == before
    # Gezag changes: the guardianship follows, logged.
    changed = [replace(p, has_authority=True) if p.family_name == "Bakker" else p for p in parents]
    report = apply_parents(beheerder, school, changed, today=TODAY)
    assert report.parents_changed == 1
    assert Guardianship.objects.get(pk=stief.pk).has_authority is True


def test_parents_of_an_unknown_pupil_refuse_the_file(
    school: Organisation, beheerder: User, parents_mapping: RosterMapping
) -> None:
    parents = read_parents(DATA / "de-vlinder-ouders.csv", parents_mapping)
    with translation.override("nl"), pytest.raises(RosterRefused) as refused:
        apply_parents(beheerder, school, parents, today=TODAY)
    assert {(e.row, e.field) for e in refused.value.errors} == {
        (2, "leerling"),
        (3, "leerling"),
        (4, "leerling"),
        (5, "leerling"),
    }
    assert not User.objects.filter(email__iexact="anouk.vdvliet@example.org").exists()


def test_a_file_with_entities_is_refused_before_anything_is_read() -> None:
    text = (
        '<?xml version="1.0"?>\n<!DOCTYPE EDEX [<!ENTITY x SYSTEM "file:///etc/passwd">]>\n'
        "<EDEX><school><brincode>&x;</brincode></school></EDEX>"
    )
    with pytest.raises(RosterRefused) as refused:
        parse_edexml_text(text)
    assert refused.value.errors[0].field == "EDEX"


def test_a_file_without_namespace_reads_the_same(school: Organisation) -> None:
    namespaced = parse_edexml(XML)
    plain = parse_edexml_text(XML.read_text().replace(' xmlns="http://www.edustandaard.nl/leerresultaten/2/edex"', ""))
    assert (plain.groups, plain.teachers) == (namespaced.groups, namespaced.teachers)
    assert [replace(p, row=0) for p in plain.pupils] == [replace(p, row=0) for p in namespaced.pupils]
    assert isinstance(plain, Roster) and plain.full
