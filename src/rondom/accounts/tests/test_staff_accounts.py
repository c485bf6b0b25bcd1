"""Issue 15, point 3: staff accounts that scale. The functioneel beheerder of an organisation invites, changes and
ends the accounts of his or her own organisation in pages (never another organisation's: 404; never a role that
does not fit the kind or lies above the task rights: a Dutch refusal); a file of people is all or nothing with a
report per row; an invitation's link works once and expires; ending an account ends its sessions, its seats in
children's support teams and its group links at once. The school keeps its support team (a member from another
organisation still needs the family's consent for a seat on a child); a provider's beheerder alone keeps its named
contacts."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta

import pytest
import time_machine
from django.conf import settings
from django.core import mail
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from rondom.access.models import TeamMembership
from rondom.access.services import add_team_member
from rondom.accounts.models import Membership, Organisation, User
from rondom.audit.models import AdministrationLogEntry
from rondom.cases.models import ProviderContact, SupportTeam
from rondom.cases.services import contact_for
from rondom.consent.models import Purpose
from rondom.registry.models import GroupTeacher, SchoolGroup, Wijk
from tests.conftest_helpers import verified_client
from tests.factories import (
    ChildFactory,
    GuardianshipFactory,
    MembershipFactory,
    MunicipalityFactory,
    OrganisationFactory,
    SchoolFactory,
    consent_for,
)

pytestmark = pytest.mark.django_db

TODAY = date(2026, 11, 27)
START = datetime.combine(TODAY, time(), tzinfo=UTC)  # where the clock stands (time_machine: midnight UTC)


@pytest.fixture(autouse=True)
def _clock(settings):  # type: ignore[no-untyped-def]
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    with time_machine.travel(TODAY, tick=False):
        yield


@pytest.fixture
def world() -> dict[str, object]:
    zwolle = MunicipalityFactory(name="Zwolle")
    a, b = SchoolFactory(name="School A", municipality=zwolle), SchoolFactory(name="School B", municipality=zwolle)
    return {
        "zwolle": zwolle,
        "a": a,
        "b": b,
        "admin_a": MembershipFactory(organisation=a, role="functional_admin").user,
        "admin_b": MembershipFactory(organisation=b, role="functional_admin").user,
        "teacher_b": MembershipFactory(organisation=b, role="teacher").user,
    }


def as_user(user: User) -> Client:
    return verified_client(Client(), user)


def dutch(client: Client) -> Client:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "nl"
    return client


def invite_body(**extra: object) -> dict[str, object]:
    return {"first_name": "Eva", "last_name": "de Wit", "email": "eva@school-a.nl", "roles": ["teacher"], **extra}


# --- one's own organisation only -------------------------------------------------------------------------------------


def test_a_beheerder_of_school_a_cannot_see_invite_change_or_end_people_of_school_b(world) -> None:  # type: ignore[no-untyped-def]
    client = as_user(world["admin_a"])
    b, teacher = world["b"], world["teacher_b"]
    before = (User.objects.count(), Membership.objects.count(), AdministrationLogEntry.objects.count())
    for url in (
        f"/beheer/{b.pk}/medewerkers/",
        f"/beheer/{b.pk}/medewerkers/uitnodigen/",
        f"/beheer/{b.pk}/medewerkers/bestand/",
        f"/beheer/{b.pk}/medewerkers/{teacher.pk}/",
        f"/beheer/{b.pk}/ondersteuningsteam/",
    ):
        assert client.get(url).status_code == 404, url
    assert client.post(f"/beheer/{b.pk}/medewerkers/uitnodigen/", invite_body()).status_code == 404
    membership = teacher.memberships.get()
    for action in ("add_role", "end_role", "end_account"):
        body = {"action": action, "role": "intern_begeleider", "membership": membership.pk, "version": "x"}
        assert client.post(f"/beheer/{b.pk}/medewerkers/{teacher.pk}/", body).status_code == 404
    # Nor through its own organisation's address: the person never held a role at school A.
    a = world["a"]
    assert client.get(f"/beheer/{a.pk}/medewerkers/{teacher.pk}/").status_code == 404
    body = {"action": "end_account", "version": "x"}
    assert client.post(f"/beheer/{a.pk}/medewerkers/{teacher.pk}/", body).status_code == 404
    assert (User.objects.count(), Membership.objects.count(), AdministrationLogEntry.objects.count()) == before
    assert Membership.objects.get(pk=membership.pk).valid_until is None
    assert not mail.outbox


def test_a_teacher_has_no_staff_pages_and_no_menu_entry(world) -> None:  # type: ignore[no-untyped-def]
    client = as_user(world["teacher_b"])
    assert client.get("/beheer/medewerkers/").status_code == 403
    assert client.get(f"/beheer/{world['b'].pk}/medewerkers/").status_code == 404
    assert "/beheer/medewerkers/" not in client.get("/meldingen/").content.decode()


def test_a_role_that_does_not_fit_the_kind_is_refused_in_dutch_and_nothing_is_made(world) -> None:  # type: ignore[no-untyped-def]
    client = dutch(as_user(world["admin_a"]))
    url = f"/beheer/{world['a'].pk}/medewerkers/uitnodigen/"
    response = client.post(url, invite_body(roles=["youth_doctor"]))
    assert response.status_code == 400
    assert "past niet bij een organisatie van de soort School" in response.content.decode()
    # Above the task rights: a school's beheerder does not make another functioneel beheerder.
    response = client.post(url, invite_body(roles=["functional_admin"]))
    assert response.status_code == 400
    assert "functioneel beheerder van de gemeente" in response.content.decode()
    assert not User.objects.filter(email="eva@school-a.nl").exists()
    assert not mail.outbox


def test_a_family_account_is_never_invited_as_a_professional(world) -> None:  # type: ignore[no-untyped-def]
    """The parent's address gets a separate professional account (review finding 9); the family account no role."""
    parent = GuardianshipFactory(child=ChildFactory(school=world["a"])).user
    parent.email = "ouder@example.nl"
    parent.save()
    client = as_user(world["admin_a"])
    response = client.post(f"/beheer/{world['a'].pk}/medewerkers/uitnodigen/", invite_body(email="ouder@example.nl"))
    assert response.status_code < 400
    assert not parent.memberships.exists()
    professional = User.objects.exclude(pk=parent.pk).get(email="ouder@example.nl")
    assert professional.memberships.filter(organisation=world["a"]).exists()


def test_the_people_list_is_a_paged_work_list_with_a_true_count_and_no_query_per_row(
    world, django_assert_max_num_queries
) -> None:  # type: ignore[no-untyped-def]
    a = world["a"]
    for _n in range(30):
        MembershipFactory(organisation=a, role="teacher")
    MembershipFactory(organisation=a, role="intern_begeleider")
    client = dutch(as_user(world["admin_a"]))
    client.get(f"/beheer/{a.pk}/medewerkers/")  # warm the session
    with django_assert_max_num_queries(20):
        page = client.get(f"/beheer/{a.pk}/medewerkers/")
    assert page.context["wp"].count == 32 and len(page.context["people"]) == 25  # 30 + ib + the beheerder
    assert "1–25 van 32" in page.content.decode()
    second = client.get(f"/beheer/{a.pk}/medewerkers/?rol=teacher&page=2")
    assert second.context["wp"].count == 30 and len(second.context["people"]) == 5
    assert client.get(f"/beheer/{a.pk}/medewerkers/?rol=nonsense").status_code == 200  # bad input falls back


# --- the invitation -------------------------------------------------------------------------------------------------


def _link() -> str:
    found = re.search(r"http://testserver(/accounts/uitnodiging/[^\s]+/)", mail.outbox[-1].body)
    assert found, mail.outbox[-1].body
    return found.group(1)


def test_an_invitation_makes_an_account_without_password_whose_link_works_once(world) -> None:  # type: ignore[no-untyped-def]
    client = as_user(world["admin_a"])
    url = f"/beheer/{world['a'].pk}/medewerkers/uitnodigen/"
    assert client.post(url, invite_body()).status_code == 302
    assert client.post(url, invite_body()).status_code == 302  # a double submit: nothing more
    eva = User.objects.get(email="eva@school-a.nl")
    assert not eva.has_usable_password()
    assert list(eva.memberships.values_list("organisation", "role")) == [(world["a"].pk, "teacher")]
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["eva@school-a.nl"]
    assert AdministrationLogEntry.objects.filter(action="invite_account", subject_user_id=eva.pk).count() == 1
    link = _link()
    newcomer = Client()
    assert newcomer.get(link).status_code == 200
    answer = newcomer.post(link, {"new_password1": "Een lang wachtwoord 42", "new_password2": "Een lang wachtwoord 42"})
    assert answer.status_code == 302 and answer["Location"] == "/accounts/tweestaps/instellen/"
    assert newcomer.get("/accounts/tweestaps/instellen/").status_code == 200  # the existing TOTP set-up follows
    eva.refresh_from_db()
    assert eva.check_password("Een lang wachtwoord 42")
    # Once: the same link no longer works, for anyone.
    assert Client().get(link).status_code == 400
    assert Client().post(link, {"new_password1": "x" * 20, "new_password2": "x" * 20}).status_code == 400


def test_an_invitation_link_expires(world) -> None:  # type: ignore[no-untyped-def]
    client = as_user(world["admin_a"])
    client.post(f"/beheer/{world['a'].pk}/medewerkers/uitnodigen/", invite_body())
    link = _link()
    with time_machine.travel(START + timedelta(seconds=settings.PASSWORD_RESET_TIMEOUT - 60), tick=False):
        assert Client().get(link).status_code == 200
    with time_machine.travel(START + timedelta(seconds=settings.PASSWORD_RESET_TIMEOUT + 60), tick=False):
        assert Client().get(link).status_code == 400
    assert Client().get("/accounts/uitnodiging/xx/1-abc/").status_code == 400


class RefusingMailServer:
    """An e-mail backend whose server is down (Django's backend interface: send_messages)."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        pass

    def send_messages(self, messages: object) -> int:
        raise ConnectionRefusedError("mail server down")


def test_a_mail_server_that_is_down_leaves_the_account_and_the_link_is_sent_again_later(world, settings) -> None:  # type: ignore[no-untyped-def]
    settings.EMAIL_BACKEND = f"{__name__}.RefusingMailServer"
    client = dutch(as_user(world["admin_a"]))
    answer = client.post(f"/beheer/{world['a'].pk}/medewerkers/uitnodigen/", invite_body(), follow=True)
    assert answer.status_code == 200 and "kon niet worden verstuurd" in answer.content.decode()
    eva = User.objects.get(email="eva@school-a.nl")
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    url = f"/beheer/{world['a'].pk}/medewerkers/{eva.pk}/"
    assert client.post(url, {"action": "resend", "version": "stale is fine"}).status_code == 302
    assert len(mail.outbox) == 1
    assert Client().get(_link()).status_code == 200
    # Once a password is set there is nothing to resend.
    eva.set_password("Een lang wachtwoord 42")
    eva.save()
    refused = client.post(url, {"action": "resend", "version": "x"})
    assert refused.status_code == 400 and "al een wachtwoord" in refused.content.decode()
    assert len(mail.outbox) == 1


# --- ending an account -------------------------------------------------------------------------------------------


def test_ending_an_account_ends_its_sessions_seats_and_group_links_at_once(world) -> None:  # type: ignore[no-untyped-def]
    a = world["a"]
    teacher = MembershipFactory(organisation=a, role="teacher")
    child = ChildFactory(school=a)
    seat = TeamMembership.objects.create(child=child, membership=teacher)
    group = SchoolGroup.objects.create(school=a, school_year="2026-2027", key="7a", name="Groep 7a")
    link = GroupTeacher.objects.create(group=group, membership=teacher, valid_from=TODAY - timedelta(days=60))
    SupportTeam.objects.create(school=a).members.add(teacher)
    browser = as_user(teacher.user)
    assert browser.get("/meldingen/").status_code == 200
    admin = as_user(world["admin_a"])
    page = admin.get(f"/beheer/{a.pk}/medewerkers/{teacher.user.pk}/")
    version = page.context["version"]
    response = admin.post(
        f"/beheer/{a.pk}/medewerkers/{teacher.user.pk}/",
        {"action": "end_account", "version": version, "confirm": "yes"},
    )
    assert response.status_code == 302
    # The logged-in teacher is logged out on the next request.
    answer = browser.get("/meldingen/")
    assert answer.status_code == 302 and answer["Location"].startswith("/accounts/login/")
    teacher.refresh_from_db()
    assert teacher.valid_until == TODAY - timedelta(days=1)  # no longer counts today
    assert not teacher.user.active_memberships().exists()
    seat.refresh_from_db()
    link.refresh_from_db()
    assert seat.ended_at is not None and link.ended_on == TODAY
    assert not SupportTeam.objects.get(school=a).members.exists()
    assert not User.objects.get(pk=teacher.user.pk).is_active
    logged = AdministrationLogEntry.objects.filter(subject_user_id=teacher.user.pk)
    assert set(logged.values_list("action", flat=True)) == {"end_role", "end_account"}
    ended = logged.get(action="end_account")
    assert ended.detail["team_seats"] == 1 and ended.detail["group_links"] == 1 and ended.detail["sessions"] == 1
    # A double submit changes nothing more.
    again = admin.post(
        f"/beheer/{a.pk}/medewerkers/{teacher.user.pk}/",
        {"action": "end_account", "version": version, "confirm": "yes"},
    )
    assert again.status_code == 302
    assert AdministrationLogEntry.objects.filter(action="end_account").count() == 1


def test_ending_an_account_asks_for_the_ticked_box_first(world) -> None:  # type: ignore[no-untyped-def]
    a = world["a"]
    teacher = MembershipFactory(organisation=a, role="teacher")
    admin = as_user(world["admin_a"])
    url = f"/beheer/{a.pk}/medewerkers/{teacher.user.pk}/"
    page = admin.get(url)
    assert 'name="confirm" value="yes"' in page.content.decode()
    refused = admin.post(url, {"action": "end_account", "version": page.context["version"]})
    assert refused.status_code == 400 and "Ja, ik weet het zeker" in refused.content.decode()
    teacher.refresh_from_db()
    assert teacher.valid_until is None and not AdministrationLogEntry.objects.filter(action="end_account").exists()


def test_ending_another_beheerders_account_is_refused_whole_and_changes_nothing(world) -> None:  # type: ignore[no-untyped-def]
    a = world["a"]
    other = MembershipFactory(organisation=a, role="functional_admin")
    teacher = Membership.objects.create(user=other.user, organisation=a, role="teacher")
    seat = TeamMembership.objects.create(child=ChildFactory(school=a), membership=teacher)
    client = dutch(as_user(world["admin_a"]))
    url = f"/beheer/{a.pk}/medewerkers/{other.user.pk}/"
    version = client.get(url).context["version"]
    answer = client.post(url, {"action": "end_account", "version": version, "confirm": "yes"})
    assert answer.status_code == 403 and "functioneel beheerder van de gemeente" in answer.content.decode()
    assert not Membership.objects.filter(user=other.user).exclude(valid_until=None).exists()  # the teacher role too
    seat.refresh_from_db()
    assert seat.ended_at is None and User.objects.get(pk=other.user.pk).is_active
    assert not AdministrationLogEntry.objects.exists()
    # Nor one's own account.
    me = world["admin_a"]
    own = f"/beheer/{a.pk}/medewerkers/{me.pk}/"
    mine = client.post(own, {"action": "end_account", "version": client.get(own).context["version"], "confirm": "yes"})
    assert mine.status_code == 403 and me.memberships.get().valid_until is None


def test_an_account_with_a_role_elsewhere_keeps_its_sessions_but_loses_this_role_at_once(world) -> None:  # type: ignore[no-untyped-def]
    a = world["a"]
    teacher = MembershipFactory(organisation=a, role="teacher")
    Membership.objects.create(user=teacher.user, organisation=world["b"], role="teacher")
    browser = as_user(teacher.user)
    admin = as_user(world["admin_a"])
    version = admin.get(f"/beheer/{a.pk}/medewerkers/{teacher.user.pk}/").context["version"]
    admin.post(
        f"/beheer/{a.pk}/medewerkers/{teacher.user.pk}/",
        {"action": "end_account", "version": version, "confirm": "yes"},
    )
    assert browser.get("/meldingen/").status_code == 200
    assert [m.organisation_id for m in teacher.user.active_memberships()] == [world["b"].pk]


def test_a_change_from_a_stale_page_answers_409_and_a_repeated_one_changes_nothing(world) -> None:  # type: ignore[no-untyped-def]
    a = world["a"]
    teacher = MembershipFactory(organisation=a, role="teacher")
    url = f"/beheer/{a.pk}/medewerkers/{teacher.user.pk}/"
    first, second = as_user(world["admin_a"]), as_user(world["admin_a"])
    stale = first.get(url).context["version"]
    assert second.post(url, {"action": "add_role", "role": "intern_begeleider", "version": stale}).status_code == 302
    response = first.post(url, {"action": "end_role", "membership": teacher.pk, "version": stale})
    assert response.status_code == 409
    assert Membership.objects.get(pk=teacher.pk).valid_until is None
    # The same role given twice (a double click): the second changes nothing.
    assert second.post(url, {"action": "add_role", "role": "intern_begeleider", "version": stale}).status_code == 302
    assert teacher.user.memberships.filter(role="intern_begeleider").count() == 1


# --- a file of people -----------------------------------------------------------------------------------------------


CSV_OK = (
    "voornaam;achternaam;e-mail;rol\nEva;de Wit;eva@a.nl;Leerkracht / mentor\nIbo;Kaya;ibo@a.nl;intern_begeleider\n"
)


def _upload(client: Client, school: Organisation, text: str, **extra: object):  # type: ignore[no-untyped-def]
    body = {"file": SimpleUploadedFile("mensen.csv", text.encode("utf-8")), "action": "check", **extra}
    return client.post(f"/beheer/{school.pk}/medewerkers/bestand/", body)


def test_a_file_with_one_bad_row_changes_nothing_and_the_report_names_the_row(world) -> None:  # type: ignore[no-untyped-def]
    client = dutch(as_user(world["admin_a"]))
    text = CSV_OK + '=HYPERLINK("x");Jansen;jan@a.nl;jeugdarts\n'
    before = (User.objects.count(), Membership.objects.count(), AdministrationLogEntry.objects.count())
    response = _upload(client, world["a"], text)
    assert response.status_code == 400
    report = response.context["report"]
    assert [row.line for row in report.error_rows] == [4]
    assert "onbekende rol" in " ".join(report.error_rows[0].errors).lower()
    assert report.rows[2].name.startswith("'=")  # echoed formula-neutral
    assert (User.objects.count(), Membership.objects.count(), AdministrationLogEntry.objects.count()) == before
    assert not mail.outbox
    # The apply button of an earlier, refused file does nothing either.
    applied = client.post(f"/beheer/{world['a'].pk}/medewerkers/bestand/", {"action": "apply", "digest": "x"})
    assert applied.status_code == 400 and User.objects.count() == before[0]


def test_a_file_is_checked_first_and_then_invites_everyone_once(world) -> None:  # type: ignore[no-untyped-def]
    client = as_user(world["admin_a"])
    checked = _upload(client, world["a"], CSV_OK)
    assert checked.status_code == 200 and checked.context["report"].ok
    assert not User.objects.filter(email__in=["eva@a.nl", "ibo@a.nl"]).exists() and not mail.outbox  # a dry run
    digest = checked.context["digest"]
    url = f"/beheer/{world['a'].pk}/medewerkers/bestand/"
    assert client.post(url, {"action": "apply", "digest": digest}).status_code == 302
    assert client.post(url, {"action": "apply", "digest": digest}).status_code == 302  # double submit
    roles = dict(
        Membership.objects.filter(organisation=world["a"], user__email__endswith="@a.nl").values_list(
            "user__email", "role"
        )
    )
    assert roles == {"eva@a.nl": "teacher", "ibo@a.nl": "intern_begeleider"}
    assert sorted(m.to[0] for m in mail.outbox) == ["eva@a.nl", "ibo@a.nl"]


def test_a_file_giving_a_role_unfit_for_the_kind_is_refused_whole(world) -> None:  # type: ignore[no-untyped-def]
    client = dutch(as_user(world["admin_a"]))
    response = _upload(client, world["a"], CSV_OK + "Jan;Jansen;jan@a.nl;leerplicht_officer\n")
    assert response.status_code == 400
    row = response.context["report"].error_rows[0]
    assert row.line == 4 and "past niet bij" in " ".join(row.errors)
    assert not User.objects.filter(email="eva@a.nl").exists()


# --- the school's support team -----------------------------------------------------------------------------------


def test_a_support_team_member_from_another_organisation_still_needs_consent_for_a_childs_seat(world) -> None:  # type: ignore[no-untyped-def]
    a = world["a"]
    ib = MembershipFactory(organisation=a, role="intern_begeleider")
    wijkteam = OrganisationFactory(kind="wijkteam", municipality=world["zwolle"])
    worker = MembershipFactory(organisation=wijkteam, role="wijkteam_worker")
    client = as_user(ib.user)
    url = f"/beheer/{a.pk}/ondersteuningsteam/"
    assert client.get(url).status_code == 200
    assert client.post(url, {"action": "add", "membership": worker.pk}).status_code == 302
    assert client.post(url, {"action": "add", "membership": worker.pk}).status_code == 302  # double submit
    assert list(SupportTeam.objects.get(school=a).members.all()) == [worker]
    assert AdministrationLogEntry.objects.filter(action="add_team_member").count() == 1
    child = ChildFactory(school=a)
    GuardianshipFactory(child=child)
    with pytest.raises(ValidationError) as refused:
        add_team_member(ib.user, child, worker)
    assert "consent" in refused.value.message_dict
    assert not TeamMembership.objects.filter(membership=worker).exists()
    consent = consent_for(child, Purpose.SUPPORT_TEAM, wijkteam, ["support"])
    add_team_member(ib.user, child, worker, consent)
    # Taking the member out of the school's team ends the seat too.
    assert client.post(url, {"action": "remove", "membership": worker.pk}).status_code == 302
    assert TeamMembership.objects.get(membership=worker).ended_at is not None
    # A teacher does not keep the team; another school's beheerder does not reach it.
    assert as_user(world["teacher_b"]).get(f"/beheer/{world['b'].pk}/ondersteuningsteam/").status_code == 404
    assert as_user(world["admin_b"]).get(url).status_code == 404


# --- the providers' named contacts ---------------------------------------------------------------------------------


def test_a_providers_contacts_are_kept_by_its_own_beheerder_only(world) -> None:  # type: ignore[no-untyped-def]
    provider = OrganisationFactory(kind="provider", name="Trias", municipality=world["zwolle"])
    beheerder = MembershipFactory(organisation=provider, role="functional_admin").user
    contact = MembershipFactory(organisation=provider, role="provider_contact")
    wijk = Wijk.objects.create(municipality=world["zwolle"], name="Holtenbroek")
    url = f"/beheer/{provider.pk}/contactpersonen/"
    for outsider in (world["admin_a"], contact.user):
        client = as_user(outsider)
        assert client.get(url).status_code == 404
        assert client.post(url, {"membership": contact.pk, "school": world["a"].pk}).status_code == 404
    assert not ProviderContact.objects.exists()
    client = as_user(beheerder)
    assert client.get("/beheer/contactpersonen/").status_code == 302
    assert client.post(url, {"membership": contact.pk, "school": world["a"].pk}).status_code == 302
    assert client.post(url, {"membership": contact.pk, "school": world["a"].pk}).status_code == 302  # idempotent
    assert client.post(url, {"membership": contact.pk, "wijk": wijk.pk}).status_code == 302
    assert ProviderContact.objects.count() == 2
    assert contact_for(provider, ChildFactory(school=world["a"])) == contact
    # Neither or both: refused in Dutch, nothing saved.
    refused = dutch(client).post(url, {"membership": contact.pk})
    assert refused.status_code == 400 and "school of een wijk" in refused.content.decode()
    row = ProviderContact.objects.get(school=world["a"])
    assert client.post(url, {"action": "remove", "contact": row.pk}).status_code == 302
    assert contact_for(provider, ChildFactory(school=world["a"])) is None
    assert set(AdministrationLogEntry.objects.values_list("action", flat=True)) == {
        "set_provider_contact",
        "remove_provider_contact",
    }


# --- the demo ----------------------------------------------------------------------------------------------------


def test_the_demos_functioneel_beheerder_opens_every_staff_page_from_the_menu() -> None:
    from rondom.demo import data

    data.load()
    beheer, esch = User.objects.get(username="beheer"), Organisation.objects.get(name="Basisschool De Esch")
    teacher = User.objects.get(username="leerkracht")
    client = dutch(as_user(beheer))
    menu = client.get("/meldingen/").content.decode()
    assert 'href="/beheer/medewerkers/"' in menu and 'href="/beheer/ondersteuningsteam/"' in menu
    assert 'href="/beheer/contactpersonen/"' not in menu  # a school has no providers' contacts to keep
    answer = client.get("/beheer/medewerkers/")
    assert answer.status_code == 302 and answer["Location"] == f"/beheer/{esch.pk}/medewerkers/"
    listed = client.get(answer["Location"])
    assert listed.status_code == 200 and "Lotte de Vries" in listed.content.decode()
    for url in (
        f"/beheer/{esch.pk}/medewerkers/uitnodigen/",
        f"/beheer/{esch.pk}/medewerkers/bestand/",
        f"/beheer/{esch.pk}/medewerkers/{teacher.pk}/",
        f"/beheer/{esch.pk}/ondersteuningsteam/",
    ):
        assert client.get(url).status_code == 200, url
    assert client.get("/beheer/ondersteuningsteam/").status_code == 302
    assert client.get("/beheer/contactpersonen/").status_code == 403
    # The roles offered are the school's staff roles: never a role above the task rights.
    offered = {
        value
        for value, _label in client.get(f"/beheer/{esch.pk}/medewerkers/uitnodigen/")
        .context["form"]
        .fields["roles"]
        .choices
    }
    assert offered == {"teacher", "intern_begeleider", "zorgcoordinator", "school_social_worker"}
