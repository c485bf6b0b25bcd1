"""The authorization matrix: every role, in scope and out of scope, reading and writing, web and API.

Each row names how a role comes to know the child (its ground), which part of the record it tries to
change, and whether that change is allowed. Out of scope, everything answers 404: the record does not exist
for that user. In scope without the right to change, a change answers 403 and nothing is written.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.utils import timezone

from rondom.access import policy
from rondom.access.models import AccessGrant, TeamMembership
from rondom.audit.models import AccessLogEntry
from rondom.registry.models import ChildNote
from rondom.swv.models import SwvRequest
from tests.factories import (
    ChildFactory,
    GroupTeacherFactory,
    GuardianshipFactory,
    MembershipFactory,
    MunicipalityFactory,
    OrganisationFactory,
    SchoolFactory,
    SchoolGroupFactory,
    UserFactory,
    born_years_ago,
    consent_for,
    teach,
)

pytestmark = pytest.mark.django_db


@dataclass(frozen=True)
class Row:
    role: str
    ground: str  # how the in-scope child is linked to the user
    write_category: str
    may_write: bool


MATRIX = [
    Row("teacher", "school", "support", False),
    Row("intern_begeleider", "school", "support", True),
    Row("zorgcoordinator", "school", "support", True),
    Row("functional_admin", "school", "support", False),
    Row("school_social_worker", "team", "youth_care", True),
    Row("wijkteam_worker", "team", "support", True),
    Row("youth_doctor", "team", "health", True),
    Row("provider_contact", "grant", "youth_care", True),
    Row("provider_contact", "grant", "health", False),
    Row("leerplicht_officer", "legal", "absence", True),
    Row("leerplicht_officer", "legal", "support", False),
    Row("swv_loket", "swv", "support", False),
    Row("swv_expert", "swv", "support", False),
    Row("parent", "parent", "support", False),
    Row("youth", "youth", "support", False),
]

ORG_KIND = {
    "school_social_worker": "provider",
    "wijkteam_worker": "wijkteam",
    "youth_doctor": "ggd",
    "provider_contact": "provider",
    "leerplicht_officer": "leerplicht",
}


def build(row: Row):  # type: ignore[no-untyped-def]
    """A user in `row.role`, a child in scope on `row.ground`, and a child out of scope."""
    zwolle = MunicipalityFactory(name="Zwolle")
    kampen = MunicipalityFactory(name="Kampen")
    school, other_school = SchoolFactory(), SchoolFactory()
    age = 13 if row.role == "youth" else 9
    child = ChildFactory(school=school, home_municipality=zwolle, date_of_birth=born_years_ago(age))
    outsider = ChildFactory(school=other_school, home_municipality=kampen, date_of_birth=born_years_ago(age))
    for c in (child, outsider):
        GuardianshipFactory(child=c)
    user = UserFactory()
    if row.ground == "school":
        m = MembershipFactory(user=user, organisation=school, role=row.role)
        if row.role == "teacher":  # a teacher's school role covers the groups he or she teaches (issue 15)
            teach(m, child)
    elif row.ground == "team":
        org = OrganisationFactory(kind=ORG_KIND[row.role])
        m = MembershipFactory(user=user, organisation=org, role=row.role)
        consent = consent_for(child, "support_team", org, ["support", "youth_care", "health", "absence"])
        TeamMembership.objects.create(child=child, membership=m, consent=consent)
    elif row.ground == "grant":
        org = OrganisationFactory(kind="provider")
        m = MembershipFactory(user=user, organisation=org, role=row.role)
        consent = consent_for(child, "provider", org, ["support", "youth_care"])
        AccessGrant.objects.create(
            child=child,
            grantee=m,
            consent=consent,
            categories=["youth_care"],
            valid_from=timezone.now(),
            valid_until=timezone.now() + timedelta(days=30),
        )
    elif row.ground == "legal":
        org = OrganisationFactory(kind="leerplicht")
        org.serves_municipalities.set([zwolle])
        MembershipFactory(user=user, organisation=org, role=row.role)
    elif row.ground == "swv":  # a request of the school to the samenwerkingsverband, on the family's consent
        org = OrganisationFactory(kind="swv")
        MembershipFactory(user=user, organisation=org, role=row.role)
        consent = consent_for(child, "swv", org, ["support"])
        SwvRequest.objects.create(
            child=child,
            school=school,
            swv=org,
            kind="tlv",
            question="Vraag",
            consent=consent,
            received_on=timezone.localdate(),
            decide_by=timezone.localdate(),
        )
    elif row.ground == "parent":
        GuardianshipFactory(child=child, user=user)
    elif row.ground == "youth":
        child.youth_account = user
        child.save()
    return user, child, outsider


def row_id(row: Row) -> str:
    return f"{row.role}-{row.write_category}"


FAMILY = ("parent", "youth")


def web_page(row: Row, child_id: int) -> str:
    """Families use the portal, professionals the child page."""
    return f"/portaal/kind/{child_id}/" if row.role in FAMILY else f"/kinderen/{child_id}/"


@pytest.mark.parametrize("row", MATRIX, ids=row_id)
def test_read_in_scope_is_allowed_and_logged_on_web_and_api(row: Row, login) -> None:  # type: ignore[no-untyped-def]
    user, child, _ = build(row)
    client = login(user)
    before = AccessLogEntry.objects.filter(child_id=child.pk, user_id=user.pk).count()
    assert client.get(web_page(row, child.pk)).status_code == 200
    assert client.get(f"/api/children/{child.pk}/").status_code == 200
    assert AccessLogEntry.objects.filter(child_id=child.pk, user_id=user.pk, action="read").count() > before
    listed = [c["id"] for c in client.get("/api/children/").json()["results"]]
    assert child.pk in listed


@pytest.mark.parametrize("row", MATRIX, ids=row_id)
def test_out_of_scope_is_not_found_for_read_and_write(row: Row, login) -> None:  # type: ignore[no-untyped-def]
    user, _child, outsider = build(row)
    client = login(user)
    assert client.get(web_page(row, outsider.pk)).status_code == 404
    assert client.get(f"/api/children/{outsider.pk}/").status_code == 404
    assert client.get(f"/api/children/{outsider.pk}/notes/").status_code == 404
    note = {"category": row.write_category, "text": "mag niet"}
    assert client.post(f"/api/children/{outsider.pk}/notes/", note, content_type="application/json").status_code == 404
    # Families are sent to the portal from every professional page; nothing is written either way.
    assert client.post(f"/kinderen/{outsider.pk}/aantekeningen/", note).status_code == (
        302 if row.role in FAMILY else 404
    )
    assert (
        client.patch(f"/api/children/{outsider.pk}/", {"group": "8"}, content_type="application/json").status_code
        == 404
    )
    assert outsider.pk not in [c["id"] for c in client.get("/api/children/").json()["results"]]
    assert not ChildNote.objects.filter(child=outsider).exists()
    assert not AccessLogEntry.objects.filter(child_id=outsider.pk).exists()


@pytest.mark.parametrize("row", MATRIX, ids=row_id)
def test_write_in_scope_follows_the_rules_on_web_and_api(row: Row, login) -> None:  # type: ignore[no-untyped-def]
    user, child, _ = build(row)
    client = login(user)
    note = {"category": row.write_category, "text": "Afspraak met moeder gemaakt."}
    api = client.post(f"/api/children/{child.pk}/notes/", note, content_type="application/json")
    # Another text on the web: the same text again would be a double submit, answered with the first note.
    web = client.post(f"/kinderen/{child.pk}/aantekeningen/", {**note, "text": "Moeder belt terug."})
    if row.may_write:
        assert api.status_code == 201
        assert web.status_code == 302
        assert ChildNote.objects.filter(child=child, category=row.write_category).count() == 2
        assert AccessLogEntry.objects.filter(child_id=child.pk, user_id=user.pk, action="create").count() == 2
    else:
        assert api.status_code == 403
        assert web.status_code == (302 if row.role in FAMILY else 403)
        assert not ChildNote.objects.filter(child=child).exists()
        assert not AccessLogEntry.objects.filter(child_id=child.pk, action="create").exists()


@pytest.mark.parametrize(
    "role, may_change_basic_details",
    [("intern_begeleider", True), ("zorgcoordinator", True), ("functional_admin", True), ("teacher", False)],
)
def test_changing_basic_details_needs_a_writing_school_role(role: str, may_change_basic_details: bool, login) -> None:  # type: ignore[no-untyped-def]
    user, child, _ = build(Row(role, "school", "identity", may_change_basic_details))
    response = login(user).patch(
        f"/api/children/{child.pk}/", {"group": "8", "version": child.version}, content_type="application/json"
    )
    assert response.status_code == (200 if may_change_basic_details else 403)
    child.refresh_from_db()
    assert (child.group == "8") is may_change_basic_details


def test_policy_officer_sees_no_child_at_all(login) -> None:  # type: ignore[no-untyped-def]
    child = ChildFactory()
    officer = MembershipFactory(organisation=OrganisationFactory(kind="municipality"), role="policy_officer").user
    client = login(officer)
    assert client.get("/api/children/").json()["results"] == []
    assert client.get(f"/kinderen/{child.pk}/").status_code == 404
    assert client.get(f"/api/children/{child.pk}/").status_code == 404


def test_parent_of_a_youth_of_16_sees_nothing_without_the_youths_consent(login) -> None:  # type: ignore[no-untyped-def]
    child = ChildFactory(date_of_birth=born_years_ago(16))
    parent = GuardianshipFactory(child=child).user
    client = login(parent)
    assert client.get(f"/api/children/{child.pk}/").status_code == 404
    consent_for_parents = consent_for(child, "inform_parents", None, ["support"])
    assert client.get(f"/api/children/{child.pk}/").status_code == 200
    consent_for_parents.withdrawn_at = timezone.now()
    consent_for_parents.save()
    assert client.get(f"/api/children/{child.pk}/").status_code == 404


def test_parent_without_authority_has_no_access(login) -> None:  # type: ignore[no-untyped-def]
    child = ChildFactory()
    parent = GuardianshipFactory(child=child, has_authority=False).user
    assert login(parent).get(f"/api/children/{child.pk}/").status_code == 404


def test_youth_under_12_has_no_own_access_yet(login) -> None:  # type: ignore[no-untyped-def]
    youth = UserFactory()
    child = ChildFactory(date_of_birth=born_years_ago(11), youth_account=youth)
    assert login(youth).get(f"/api/children/{child.pk}/").status_code == 404


def test_expired_grant_gives_no_access(login) -> None:  # type: ignore[no-untyped-def]
    user, child, _ = build(Row("provider_contact", "grant", "youth_care", True))
    AccessGrant.objects.filter(child=child).update(valid_until=timezone.now() - timedelta(minutes=1))
    assert login(user).get(f"/api/children/{child.pk}/").status_code == 404


def test_a_role_that_ended_gives_no_access(login) -> None:  # type: ignore[no-untyped-def]
    user, child, _ = build(Row("intern_begeleider", "school", "support", True))
    user.memberships.update(valid_until=timezone.localdate() - timedelta(days=1))
    assert login(user).get(f"/api/children/{child.pk}/").status_code == 404


# --- the group dimension (issue 15): a teacher sees the pupils of the groups he or she teaches ----------------------

#: (scenario, role at the child's school, what links the user to the child, identity read, support read, support
#: write). A teacher reads identity and support only of a pupil of a group taught now; the ib'er and the
#: zorgcoördinator keep the whole school, with or without a group; a teacher in the child's support team keeps the
#: team's permissions (identity r, support r) without teaching the group.
GROUP_MATRIX = [
    ("teacher_of_the_group", "teacher", "teaches", True, True, False),
    ("teacher_of_another_group", "teacher", "other_group", False, False, False),
    ("teacher_whose_group_teaching_ended", "teacher", "ended", False, False, False),
    ("teacher_who_starts_tomorrow", "teacher", "future", False, False, False),
    ("teacher_of_an_ended_group", "teacher", "group_ended", False, False, False),
    ("teacher_of_the_group_at_another_school", "teacher", "elsewhere", False, False, False),
    ("teacher_child_without_group", "teacher", "no_group", False, False, False),
    ("teacher_in_the_support_team", "teacher", "team", True, True, False),
    ("ib_other_group", "intern_begeleider", "other_group", True, True, True),
    ("ib_child_without_group", "intern_begeleider", "no_group", True, True, True),
    ("zorgcoordinator_other_group", "zorgcoordinator", "other_group", True, True, True),
    ("zorgcoordinator_child_without_group", "zorgcoordinator", "no_group", True, True, True),
    ("school_social_worker_other_group", "school_social_worker", "other_group", True, True, True),
    ("functional_admin_child_without_group", "functional_admin", "no_group", True, False, False),
]


def build_group_world(role: str, link: str):  # type: ignore[no-untyped-def]
    """A school with two groups, the child in group 6A (or in none), and a user in `role` at the school linked to the
    child as `link` says."""
    school = SchoolFactory()
    today = timezone.localdate()
    own = SchoolGroupFactory(school=school, name="6A")
    other = SchoolGroupFactory(school=school, name="6B")
    child = ChildFactory(school=school, school_group=None if link == "no_group" else own)
    GuardianshipFactory(child=child)
    m = MembershipFactory(organisation=school, role=role)
    if link in ("teaches", "no_group"):
        GroupTeacherFactory(group=own, membership=m)
    elif link == "other_group":
        GroupTeacherFactory(group=other, membership=m)
    elif link == "ended":
        GroupTeacherFactory(group=own, membership=m, valid_from=today - timedelta(days=60), ended_on=today)
    elif link == "future":
        GroupTeacherFactory(group=own, membership=m, valid_from=today + timedelta(days=1))
    elif link == "group_ended":
        GroupTeacherFactory(group=own, membership=m)
        own.ended_on = today
        own.save()
    elif link == "elsewhere":  # the user teaches this group, but in a role held at another school
        m.organisation = SchoolFactory()
        m.save()
        GroupTeacherFactory(group=own, membership=m)
    elif link == "team":
        GroupTeacherFactory(group=other, membership=m)
        TeamMembership.objects.create(child=child, membership=m)
    return m.user, child


@pytest.mark.parametrize(
    "scenario, role, link, reads_identity, reads_support, writes_support",
    GROUP_MATRIX,
    ids=[g[0] for g in GROUP_MATRIX],
)
def test_a_teacher_sees_only_the_groups_taught_and_school_care_roles_the_whole_school(  # type: ignore[no-untyped-def]
    scenario: str, role: str, link: str, reads_identity: bool, reads_support: bool, writes_support: bool, login
) -> None:
    user, child = build_group_world(role, link)
    client = login(user)
    in_scope = reads_identity
    assert client.get(f"/kinderen/{child.pk}/").status_code == (200 if in_scope else 404)
    assert client.get(f"/api/children/{child.pk}/").status_code == (200 if in_scope else 404)
    assert (child.pk in [c["id"] for c in client.get("/api/children/").json()["results"]]) is in_scope
    assert policy.decide(user, child, "read", "support").allowed is reads_support
    assert policy.decide(user, child, "read", "identity").allowed is reads_identity
    note = {"category": "support", "text": "Gesprek met de leerkracht gevoerd."}
    written = client.post(f"/api/children/{child.pk}/notes/", note, content_type="application/json")
    assert written.status_code == (201 if writes_support else 403 if in_scope else 404)
    assert ChildNote.objects.filter(child=child).exists() is writes_support
    if not in_scope:
        assert not AccessLogEntry.objects.filter(child_id=child.pk).exists()


def test_a_teachers_reads_are_logged_on_the_group_rule(login) -> None:  # type: ignore[no-untyped-def]
    """The access log says why: the teacher's school-role ground rests on teaching the child's group."""
    user, child = build_group_world("teacher", "teaches")
    assert login(user).get(f"/api/children/{child.pk}/").status_code == 200
    row = AccessLogEntry.objects.filter(child_id=child.pk, user_id=user.pk, action="read").latest("pk")
    assert (row.ground, row.ground_ref) == ("school_role", "rule:group_teacher")
    ib, pupil = build_group_world("intern_begeleider", "other_group")
    assert login(ib).get(f"/api/children/{pupil.pk}/").status_code == 200
    row = AccessLogEntry.objects.filter(child_id=pupil.pk, user_id=ib.pk, action="read").latest("pk")
    assert row.ground_ref == "rule:school_role"


# --- A warm transfer (issue 16, part 4): access follows the child ---------------------------------------------------


def _transfer_world():  # type: ignore[no-untyped-def]
    from rondom.transfers.tests import world

    return world


def test_transfer_before_the_offer_the_po_sees_and_the_vo_does_not(login) -> None:  # type: ignore[no-untyped-def]
    w = _transfer_world()
    world = w.build()
    assert login(world.po_ib).get(f"/kinderen/{world.child.pk}/").status_code == 200
    assert login(world.vo_zc).get(f"/kinderen/{world.child.pk}/").status_code == 404


def test_transfer_offered_without_consent_the_vo_sees_nothing(login) -> None:  # type: ignore[no-untyped-def]
    w = _transfer_world()
    world = w.build()
    w.offer(world)
    client = login(world.vo_ib)
    assert client.get(f"/kinderen/{world.child.pk}/").status_code == 404
    assert client.get(f"/api/children/{world.child.pk}/").status_code == 404
    assert world.child.pk not in [c["id"] for c in client.get("/api/children/").json()["results"]]


def test_transfer_offered_with_consent_the_vo_ib_reads_and_cannot_write(login) -> None:  # type: ignore[no-untyped-def]
    w = _transfer_world()
    world = w.build()
    w.offer(world)
    w.consent(world)
    client = login(world.vo_ib)
    assert client.get(f"/kinderen/{world.child.pk}/").status_code == 200
    assert client.get(f"/api/children/{world.child.pk}/").status_code == 200
    note = {"category": "support", "text": "Alvast kennisgemaakt."}
    assert (
        client.post(f"/api/children/{world.child.pk}/notes/", note, content_type="application/json").status_code == 403
    )
    assert not ChildNote.objects.filter(child=world.child).exists()
    row = AccessLogEntry.objects.filter(child_id=world.child.pk, user_id=world.vo_ib.pk, action="read").last()
    assert row is not None and row.ground == "transfer"


def test_transfer_after_acceptance_vo_writes_po_reads_until_the_set_date_then_nothing(login) -> None:  # type: ignore[no-untyped-def]
    import time_machine

    from rondom.transfers import services

    w = _transfer_world()
    world = w.build()
    transfer = w.offer(world)
    w.consent(world)
    services.accept_transfer(world.vo_zc, transfer, version=1, today=timezone.localdate(), now=timezone.now())
    transfer.refresh_from_db()
    vo = login(world.vo_zc)
    assert vo.get(f"/kinderen/{world.child.pk}/").status_code == 200
    note = {"category": "support", "text": "Mentor gesproken."}
    assert vo.post(f"/api/children/{world.child.pk}/notes/", note, content_type="application/json").status_code == 201
    po = login(world.po_ib)
    assert po.get(f"/kinderen/{world.child.pk}/").status_code == 200
    assert po.post(f"/api/children/{world.child.pk}/notes/", note, content_type="application/json").status_code == 403
    with time_machine.travel(
        timezone.make_aware(
            timezone.datetime.combine(transfer.previous_access_until, timezone.datetime.min.time()).replace(hour=12)
        )
    ):
        assert login(world.po_ib).get(f"/kinderen/{world.child.pk}/").status_code == 200
    after = transfer.previous_access_until + timedelta(days=1)
    with time_machine.travel(
        timezone.make_aware(timezone.datetime.combine(after, timezone.datetime.min.time()).replace(hour=12))
    ):
        client = login(world.po_ib)
        assert client.get(f"/kinderen/{world.child.pk}/").status_code == 404
        assert world.child.pk not in [c["id"] for c in client.get("/api/children/").json()["results"]]
