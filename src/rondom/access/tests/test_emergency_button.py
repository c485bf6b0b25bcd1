"""The emergency button's limits (issue 12, finding 2): a rate limit and a daily cap per person, a reason of real
words, only for children the organisation could plausibly serve, the reviewer and the school told at once, and
reviews only within the own organisation, every read of a review logged."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core import mail

from rondom.access import services
from rondom.access.emergency import reason_errors
from rondom.access.models import EmergencyAccess
from rondom.audit.models import AccessLogEntry
from rondom.notifications.models import Notification
from tests.factories import ChildFactory, MembershipFactory, MunicipalityFactory, OrganisationFactory, SchoolFactory

pytestmark = pytest.mark.django_db

REASON = "Melding van mishandeling, kind is niet op school en niet bereikbaar."
MONDAY = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def clock():  # type: ignore[no-untyped-def]
    """Every test runs on a pinned Monday morning; tests move the clock on with `clock.move_to`."""
    with time_machine.travel(MONDAY, tick=False) as traveller:
        yield traveller


def press(client, child, reason: str = REASON):  # type: ignore[no-untyped-def]
    return client.post(
        f"/api/children/{child.pk}/emergency-access/", {"reason": reason}, content_type="application/json"
    )


@pytest.fixture
def worker():  # type: ignore[no-untyped-def]
    """A wijkteam worker of a wijkteam based in Zwolle (the children's municipality in these tests)."""
    return MembershipFactory(organisation=OrganisationFactory(kind="wijkteam"), role="wijkteam_worker")


# --- Rate limit and daily cap -------------------------------------------------------------------------------


def test_the_fourth_press_within_an_hour_is_refused_with_429_and_nothing_written(worker, login) -> None:  # type: ignore[no-untyped-def]
    client = login(worker.user)
    children = ChildFactory.create_batch(4)
    assert [press(client, c).status_code for c in children[:3]] == [201, 201, 201]
    rows = AccessLogEntry.objects.count()
    refused = press(client, children[3])
    assert refused.status_code == 429
    assert "laatste uur" in refused.json()["detail"]
    assert EmergencyAccess.objects.count() == 3
    assert AccessLogEntry.objects.count() == rows


def test_the_hourly_limit_frees_up_after_an_hour_but_the_daily_cap_holds_for_24_hours(worker, login, clock) -> None:  # type: ignore[no-untyped-def]
    children = ChildFactory.create_batch(7)
    client = login(worker.user)
    assert [press(client, c).status_code for c in children[:3]] == [201] * 3
    clock.move_to(MONDAY + timedelta(minutes=61))
    client = login(worker.user)  # a new session: the old one ended after 30 idle minutes
    assert [press(client, c).status_code for c in children[3:6]] == [201, 201, 429]
    capped = press(client, children[5])
    assert capped.status_code == 429 and "24 uur" in capped.json()["detail"]
    clock.move_to(MONDAY + timedelta(hours=23, minutes=59))
    client = login(worker.user)  # a new session: the old one ended after 30 idle minutes
    assert press(client, children[5]).status_code == 429
    clock.move_to(MONDAY + timedelta(hours=24, minutes=1))
    client = login(worker.user)
    assert press(client, children[5]).status_code == 201
    assert EmergencyAccess.objects.filter(membership=worker).count() == 6


def test_the_limits_are_settings(worker, login, settings) -> None:  # type: ignore[no-untyped-def]
    settings.EMERGENCY_PER_HOUR = 1
    client = login(worker.user)
    first, second = ChildFactory.create_batch(2)
    assert press(client, first).status_code == 201
    assert press(client, second).status_code == 429


def test_the_web_page_answers_429_with_the_limit_in_dutch(worker, login) -> None:  # type: ignore[no-untyped-def]
    children = ChildFactory.create_batch(4)
    bsns = ["111222333", "123456782", "999999990", "100000009"]
    for child, bsn in zip(children, bsns, strict=True):
        child.set_bsn(bsn)
        child.save()
    client = login(worker.user)
    for bsn in bsns[:3]:
        assert client.post("/kinderen/noodtoegang/", {"bsn": bsn, "reason": REASON}).status_code == 302
    page = client.post("/kinderen/noodtoegang/", {"bsn": bsns[3], "reason": REASON})
    assert page.status_code == 429 and "laatste uur" in page.content.decode()
    assert EmergencyAccess.objects.count() == 3


# --- A reason of real words ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "reason",
    [
        "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
        "test test test test test test test",
        "nood nood nood nood hulp nu graag",
        "1234567890 1234567890 1234567890",
        "!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!",
        "kind\x00 is in gevaar en niet bereikbaar",
        "kind\u200b is in gevaar en niet bereikbaar",
        "x y z q w e r t y u i o p a s d",
        "nodig",
    ],
)
def test_a_reason_that_is_not_real_words_is_refused_naming_the_field(worker, login, reason: str) -> None:  # type: ignore[no-untyped-def]
    child = ChildFactory()
    response = press(login(worker.user), child, reason)
    assert response.status_code == 400
    message = " ".join(response.json()["reason"])
    assert any(word in message.lower() for word in ("reden", "waarom", "tekens"))
    assert not EmergencyAccess.objects.exists()
    assert not AccessLogEntry.objects.exists()


@pytest.mark.parametrize(
    "reason",
    [
        "qwe rty uio pas dfg hjk lzx",  # the tester's keyboard rows
        "ab ab ab cd ef gh ij kl mn",  # the tester's letter pairs
        "asdf ghjk qwer tyui zxcv bnm",
        "poiuy trewq lkjhg fdsa mnbvc",  # the rows backwards
        "sdfg hjkl xcvb nmqw rtzp",  # no vowel in most words
        "xx ab cd ef gh kind weg nu",  # mostly two-letter pieces
    ],
)
def test_keyboard_mash_is_refused_as_a_reason_naming_the_field(worker, login, reason: str) -> None:  # type: ignore[no-untyped-def]
    response = press(login(worker.user), ChildFactory(), reason)
    assert response.status_code == 400, response.content
    message = " ".join(response.json()["reason"])
    assert "reden" in message.lower()
    assert not EmergencyAccess.objects.exists() and not AccessLogEntry.objects.exists()


@pytest.mark.parametrize(
    "reason",
    [
        "Kind is niet opgehaald en vader is onbereikbaar, ik moet de noodcontactgegevens inzien",
        REASON,
        "Politie belt: jongere is vermist, wij zoeken het adres en telefoonnummer van de ouders.",
        "Veilig Thuis vraagt met spoed naar de gezinssituatie; ik ga er zo op af.",
        "Leerling heeft suïcidale uitingen gedaan, de GGD en ouders moeten direct bereikt worden.",
        "Spoedmelding huisarts: blauwe plekken bij Noor, ik heb het dossier nodig voor overleg met VT.",
        "Vertrouwenspersoon meldt dat het kind niet naar huis durft; werkwijze vraagt direct overleg.",
        "Crisisdienst GGZ belt ’s avonds: moeder opgenomen, wie haalt de kinderen op?",
        "Oma zegt dat het meisje sinds vrijdag niet thuis is geweest, café en sporthal gecontroleerd.",
    ],
)
def test_real_dutch_emergency_reasons_pass_the_words_check(reason: str) -> None:
    assert reason_errors(reason) == []


def test_a_reason_over_several_lines_in_plain_words_is_accepted(worker, login) -> None:  # type: ignore[no-untyped-def]
    reason = "Moeder belt in paniek.\r\nKind is sinds gisteren weg en\tniet bereikbaar."
    assert press(login(worker.user), ChildFactory(), reason).status_code == 201


# --- Only for children the organisation could plausibly serve -----------------------------------------------


def test_a_provider_cannot_open_a_child_outside_the_region_it_serves(login) -> None:  # type: ignore[no-untyped-def]
    kampen = MunicipalityFactory(name="Kampen")
    provider = OrganisationFactory(kind="provider", municipality=kampen)
    contact = MembershipFactory(organisation=provider, role="provider_contact")
    child = ChildFactory()  # lives and goes to school in Zwolle
    response = press(login(contact.user), child)
    assert response.status_code == 403 and "gemeente" in response.json()["detail"]
    assert not EmergencyAccess.objects.exists() and not AccessLogEntry.objects.exists()


def test_a_provider_serving_the_childs_home_municipality_may_press_the_button(login) -> None:  # type: ignore[no-untyped-def]
    kampen = MunicipalityFactory(name="Kampen")
    provider = OrganisationFactory(kind="provider", municipality=kampen)
    provider.serves_municipalities.add(MunicipalityFactory())  # Zwolle
    contact = MembershipFactory(organisation=provider, role="provider_contact")
    assert press(login(contact.user), ChildFactory()).status_code == 201


def test_the_school_municipality_counts_when_the_child_lives_elsewhere(login) -> None:  # type: ignore[no-untyped-def]
    child = ChildFactory(home_municipality=MunicipalityFactory(name="Dalfsen"))  # school in Zwolle
    worker = MembershipFactory(organisation=OrganisationFactory(kind="wijkteam"), role="wijkteam_worker")
    assert press(login(worker.user), child).status_code == 201


def test_an_organisation_without_a_known_municipality_serves_no_one(login) -> None:  # type: ignore[no-untyped-def]
    provider = OrganisationFactory(kind="provider", municipality=None)
    contact = MembershipFactory(organisation=provider, role="provider_contact")
    assert press(login(contact.user), ChildFactory()).status_code == 403


def test_an_ib_of_a_school_in_another_municipality_gets_no_button_for_the_child(login) -> None:  # type: ignore[no-untyped-def]
    ib = MembershipFactory(
        organisation=SchoolFactory(municipality=MunicipalityFactory(name="Kampen")), role="intern_begeleider"
    )
    assert press(login(ib.user), ChildFactory()).status_code == 403


def test_the_web_page_refuses_an_implausible_child_without_writing_anything(login) -> None:  # type: ignore[no-untyped-def]
    child = ChildFactory()
    child.set_bsn("111222333")
    child.save()
    provider = OrganisationFactory(kind="provider", municipality=MunicipalityFactory(name="Kampen"))
    contact = MembershipFactory(organisation=provider, role="provider_contact")
    page = login(contact.user).post("/kinderen/noodtoegang/", {"bsn": "111222333", "reason": REASON})
    assert page.status_code == 403
    assert not EmergencyAccess.objects.exists() and not AccessLogEntry.objects.exists()


# --- Told at once ---------------------------------------------------------------------------------------------


def test_the_reviewer_and_the_schools_ib_are_told_at_once_without_personal_data(  # type: ignore[no-untyped-def]
    worker, login, django_capture_on_commit_callbacks
) -> None:
    child = ChildFactory(given_name="Sanne", family_name="Visser")
    reviewer = MembershipFactory(
        organisation=worker.organisation, role="functional_admin", user__email="fb@example.org"
    )
    ib = MembershipFactory(organisation=child.school, role="intern_begeleider", user__email="ib@example.org")
    other_reviewer = MembershipFactory(organisation=OrganisationFactory(kind="wijkteam"), role="functional_admin")
    with django_capture_on_commit_callbacks(execute=True):
        access_id = press(login(worker.user), child).json()["id"]
    told = {n.recipient_id: n for n in Notification.objects.all()}
    assert set(told) == {reviewer.user_id, ib.user_id}
    assert told[reviewer.user_id].url == f"/api/emergency-reviews/{access_id}/"
    assert other_reviewer.user_id not in told and worker.user_id not in told
    assert {m.to[0] for m in mail.outbox} == {"fb@example.org", "ib@example.org"}
    for message in [*mail.outbox, *told.values()]:
        text = f"{getattr(message, 'subject', '')} {getattr(message, 'body', '')} {getattr(message, 'title', '')}"
        assert "Sanne" not in text and "Visser" not in text and "mishandeling" not in text


# --- Reviews only within the own organisation, every read logged -------------------------------------------


@pytest.fixture
def used(worker):  # type: ignore[no-untyped-def]
    return services.start_emergency_access(worker.user, ChildFactory(), worker, REASON)


def test_a_functional_admin_of_another_organisation_sees_and_closes_nothing(used, login) -> None:  # type: ignore[no-untyped-def]
    school_admin = MembershipFactory(organisation=SchoolFactory(), role="functional_admin")
    client = login(school_admin.user)
    rows = AccessLogEntry.objects.count()
    assert client.get("/api/emergency-reviews/").json() == []
    assert client.get(f"/api/emergency-reviews/{used.pk}/").status_code == 404
    closed = client.post(
        f"/api/emergency-reviews/{used.pk}/review/", {"review_note": "Gezien."}, content_type="application/json"
    )
    assert closed.status_code == 404
    used.refresh_from_db()
    assert used.reviewed_at is None
    assert AccessLogEntry.objects.count() == rows


def test_every_read_of_a_review_is_logged_for_the_own_organisations_reviewer(used, worker, login) -> None:  # type: ignore[no-untyped-def]
    reviewer = MembershipFactory(organisation=worker.organisation, role="functional_admin")
    client = login(reviewer.user)
    assert [a["id"] for a in client.get("/api/emergency-reviews/").json()] == [used.pk]
    assert client.get(f"/api/emergency-reviews/{used.pk}/").json()["reason"] == REASON
    done = client.post(
        f"/api/emergency-reviews/{used.pk}/review/", {"review_note": "Terecht."}, content_type="application/json"
    )
    assert done.status_code == 200
    rows = list(AccessLogEntry.objects.filter(user_id=reviewer.user_id).order_by("seq"))
    assert [(r.action, r.object_type, r.object_id, r.child_id) for r in rows] == [
        ("search", "emergency_access", str(used.pk), used.child_id),
        ("read", "emergency_access", str(used.pk), used.child_id),
        ("update", "emergency_access", str(used.pk), used.child_id),
    ]
    assert {(r.ground, r.role, r.organisation_id) for r in rows} == {
        ("review", "functional_admin", worker.organisation_id)
    }


def test_the_privacy_officer_reviews_every_organisations_uses(used, login) -> None:  # type: ignore[no-untyped-def]
    from tests.factories import UserFactory

    officer = UserFactory(is_superuser=True, is_staff=True)
    client = login(officer)
    assert [a["id"] for a in client.get("/api/emergency-reviews/").json()] == [used.pk]
    assert AccessLogEntry.objects.filter(user_id=officer.pk, action="search", ground="review").count() == 1


def test_the_staff_account_holding_the_privacy_officers_permission_reviews_too(used, login) -> None:  # type: ignore[no-untyped-def]
    from django.contrib.auth.models import Permission

    from tests.factories import UserFactory

    officer = UserFactory(is_staff=True)
    officer.user_permissions.add(Permission.objects.get(codename="view_administrationlogentry"))
    plain_staff = UserFactory(is_staff=True)
    assert [a["id"] for a in login(officer).get("/api/emergency-reviews/").json()] == [used.pk]
    assert login(plain_staff).get("/api/emergency-reviews/").status_code == 403


def test_no_one_reviews_their_own_use(worker, login) -> None:  # type: ignore[no-untyped-def]
    admin_and_worker = MembershipFactory(organisation=worker.organisation, role="functional_admin", user=worker.user)
    access = services.start_emergency_access(worker.user, ChildFactory(), worker, REASON)
    client = login(admin_and_worker.user)
    answer = client.post(
        f"/api/emergency-reviews/{access.pk}/review/", {"review_note": "Prima."}, content_type="application/json"
    )
    assert answer.status_code == 403
    access.refresh_from_db()
    assert access.reviewed_at is None


def test_a_mail_server_that_is_down_does_not_take_the_emergency_access_away(  # type: ignore[no-untyped-def]
    worker, login, django_capture_on_commit_callbacks, monkeypatch
) -> None:
    from rondom.notifications import services as notifications

    def down(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise ConnectionRefusedError("smtp down")

    monkeypatch.setattr(notifications, "send_mass_mail", down)
    MembershipFactory(organisation=worker.organisation, role="functional_admin", user__email="fb@example.org")
    child = ChildFactory()
    client = login(worker.user)
    with django_capture_on_commit_callbacks(execute=True):
        assert press(client, child).status_code == 201
    assert EmergencyAccess.objects.filter(child=child).exists()
    assert client.get(f"/api/children/{child.pk}/").status_code == 200


def test_the_family_sees_a_review_of_the_emergency_use_and_who_reviewed_it(used, worker, login) -> None:  # type: ignore[no-untyped-def]
    from tests.factories import GuardianshipFactory, UserFactory

    officer = UserFactory(is_superuser=True, is_staff=True)
    login(officer).get(f"/api/emergency-reviews/{used.pk}/")
    parent = GuardianshipFactory(child=used.child).user
    page = login(parent).get(f"/portaal/kind/{used.child_id}/wie-keek/").content.decode()
    assert "Privacyfunctionaris" in page and "Beoordeling van een noodtoegang" in page
