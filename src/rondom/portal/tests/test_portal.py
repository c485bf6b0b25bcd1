"""The family's door: age rules, authority, the e-mail code, consent withdrawn in the portal cutting access at
once, and the "who looked at my file" page showing exactly this child's log."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.core import mail
from django.utils import timezone

from rondom.access import policy
from rondom.audit.models import AccessLogEntry
from rondom.cases.models import GoalEvaluation, Plan, PlanAgreement
from rondom.core.categories import Action
from rondom.portal.models import LoginCode
from tests.factories import (
    PASSWORD,
    ChildFactory,
    GuardianshipFactory,
    MembershipFactory,
    OrganisationFactory,
    UserFactory,
    born_years_ago,
    consent_for,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english(client):  # type: ignore[no-untyped-def]
    from django.conf import settings

    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


def _password_step(client, user):  # type: ignore[no-untyped-def]
    return client.post("/portaal/inloggen/", {"username": user.username, "password": PASSWORD})


def _code_from_mail() -> str:
    return re.search(r"\b(\d{6})\b", mail.outbox[-1].body).group(1)  # type: ignore[union-attr]


def test_a_parent_logs_in_with_password_and_e_mail_code(client) -> None:  # type: ignore[no-untyped-def]
    parent = GuardianshipFactory(user__email="ouder@example.org").user
    response = _password_step(client, parent)
    assert response.status_code == 302 and response["Location"] == "/portaal/code/"
    assert client.get("/portaal/").status_code == 302  # not in before the code
    assert (
        client.post("/portaal/code/", {"code": "000000" if _code_from_mail() != "000000" else "111111"}).status_code
        == 400
    )
    response = client.post("/portaal/code/", {"code": _code_from_mail()})
    assert response.status_code == 302 and response["Location"] == "/portaal/"
    assert client.get("/portaal/").status_code == 200
    # A family login never reaches the professionals' pages; it is sent to the portal.
    assert client.get("/kinderen/")["Location"] == "/portaal/"


def test_an_expired_or_used_code_is_refused_kindly(client) -> None:  # type: ignore[no-untyped-def]
    parent = GuardianshipFactory(user__email="ouder@example.org").user
    _password_step(client, parent)
    code = _code_from_mail()
    LoginCode.objects.update(expires_at=timezone.now() - timedelta(minutes=1))
    response = client.post("/portaal/code/", {"code": code})
    assert response.status_code == 400 and "expired" in response.content.decode()
    assert client.get("/portaal/").status_code == 302


def test_a_parent_without_authority_sees_nothing_and_is_told_why(client) -> None:  # type: ignore[no-untyped-def]
    parent = GuardianshipFactory(has_authority=False, user__email="ouder@example.org").user
    response = _password_step(client, parent)
    assert response.status_code == 403 and "without parental authority" in response.content.decode()
    assert not mail.outbox and "_auth_user_id" not in client.session


def test_a_youth_under_12_cannot_log_in_and_is_told_kindly(client) -> None:  # type: ignore[no-untyped-def]
    youth = UserFactory(email="kind@example.org")
    ChildFactory(date_of_birth=born_years_ago(11), youth_account=youth)
    response = _password_step(client, youth)
    assert response.status_code == 403 and "from the age of 12" in response.content.decode()
    assert not mail.outbox


@pytest.mark.parametrize(("age", "parent_sees", "youth_sees"), [(11, True, False), (13, True, True), (16, False, True)])
def test_age_rules_decide_who_opens_the_file(login, age: int, parent_sees: bool, youth_sees: bool) -> None:  # type: ignore[no-untyped-def]
    youth = UserFactory()
    child = ChildFactory(date_of_birth=born_years_ago(age), youth_account=youth)
    parent = GuardianshipFactory(child=child).user
    url = f"/portaal/kind/{child.pk}/"
    assert login(parent).get(url).status_code == (200 if parent_sees else 404)
    assert login(youth).get(url).status_code == (200 if youth_sees else 404)


def test_a_youth_of_16_can_let_the_parents_in_and_decides_on_the_consents_alone(login) -> None:  # type: ignore[no-untyped-def]
    youth = UserFactory()
    child = ChildFactory(date_of_birth=born_years_ago(16), youth_account=youth)
    parent = GuardianshipFactory(child=child).user
    provider = OrganisationFactory(kind="provider")
    consent = consent_for(child, "provider", provider, ["support"])
    client = login(youth)
    page = client.get(f"/portaal/kind/{child.pk}/toestemming/").content.decode()
    assert "Withdraw" in page
    client.post(f"/portaal/kind/{child.pk}/toestemming/", {"consent": consent.pk, "action": "withdraw"})
    client.post(f"/portaal/kind/{child.pk}/toestemming/", {"consent": consent.pk, "action": "renew"})
    assert child.consents.filter(purpose="provider", withdrawn_at__isnull=True).count() == 1
    client.logout()
    assert login(parent).get(f"/portaal/kind/{child.pk}/").status_code == 404


def test_withdrawing_in_the_portal_cuts_the_providers_access_at_once(login) -> None:  # type: ignore[no-untyped-def]
    from rondom.access.models import AccessGrant

    child = ChildFactory(date_of_birth=born_years_ago(9))
    parent = GuardianshipFactory(child=child).user
    provider = OrganisationFactory(kind="provider")
    contact = MembershipFactory(organisation=provider, role="provider_contact")
    consent = consent_for(child, "provider", provider, ["support", "youth_care"])
    AccessGrant.objects.create(
        child=child,
        grantee=contact,
        consent=consent,
        categories=["youth_care"],
        valid_from=timezone.now(),
        valid_until=timezone.now() + timedelta(days=30),
    )
    assert policy.decide(contact.user, child, Action.READ, "youth_care").allowed
    client = login(parent)
    response = client.post(f"/portaal/kind/{child.pk}/toestemming/", {"consent": consent.pk, "action": "withdraw"})
    assert response.status_code == 302
    contact.user.__dict__.pop("_roles_cache", None)
    assert not policy.decide(contact.user, child, Action.READ, "youth_care").in_scope
    consent.refresh_from_db()
    assert consent.withdrawn_by == parent and consent.withdrawn_on_behalf == "parent"
    assert "Withdrawn" in client.get(f"/portaal/kind/{child.pk}/toestemming/").content.decode()


def test_the_log_page_shows_exactly_this_childs_accesses_and_none_of_another(login) -> None:  # type: ignore[no-untyped-def]
    child = ChildFactory(date_of_birth=born_years_ago(9))
    sibling = ChildFactory(date_of_birth=born_years_ago(7), school=child.school)
    parent = GuardianshipFactory(child=child).user
    GuardianshipFactory(child=sibling, user=parent)
    ib = MembershipFactory(organisation=child.school, role="intern_begeleider").user
    ib_client = login(ib)
    ib_client.get(f"/kinderen/{child.pk}/")
    ib_client.get(f"/kinderen/{sibling.pk}/")
    ib_client.logout()
    rows_before = AccessLogEntry.objects.filter(child_id=child.pk).count()
    sibling_before = AccessLogEntry.objects.filter(child_id=sibling.pk).count()
    page = login(parent).get(f"/portaal/kind/{child.pk}/wie-keek/").content.decode()
    table = page.split('id="access-log"')[1]
    assert table.count('<tr class="utrecht-table__row') - 1 == rows_before  # minus the header row
    assert str(child.school) in table and "Intern begeleider" in table
    assert AccessLogEntry.objects.filter(child_id=child.pk, object_type="access_log").count() == 1
    assert AccessLogEntry.objects.filter(child_id=sibling.pk).count() == sibling_before
    assert f"/kinderen/{sibling.pk}/" not in table and table.count("Intern begeleider") == rows_before


def test_emergency_access_is_marked_in_the_log(login) -> None:  # type: ignore[no-untyped-def]
    child = ChildFactory(date_of_birth=born_years_ago(9))
    parent = GuardianshipFactory(child=child).user
    AccessLogEntry.objects.all()
    from rondom.access.policy import Basis, Decision
    from rondom.audit import services as audit

    basis = Basis("emergency", {"support": "r"}, ref="emergency:1")
    audit.record(None, Decision(True, True, "read", "support", basis, (basis,)), child.pk, object_type="child")
    page = login(parent).get(f"/portaal/kind/{child.pk}/wie-keek/").content.decode()
    assert "Emergency access" in page


def test_the_family_reacts_to_the_plan_rates_it_and_keeps_a_logbook(login) -> None:  # type: ignore[no-untyped-def]
    youth = UserFactory()
    child = ChildFactory(date_of_birth=born_years_ago(13), youth_account=youth)
    plan = Plan.objects.create(
        child=child,
        version=1,
        content={
            "goals": [
                {
                    "id": "g1",
                    "domain": "school",
                    "description": "Weer elke dag naar school",
                    "target": "",
                    "owner": "",
                    "support_by": "Trias",
                    "support_where": "op school",
                }
            ]
        },
    )
    client = login(youth)
    url = f"/portaal/kind/{child.pk}/"
    page = client.get(url).content.decode()
    assert "Weer elke dag naar school" in page and "Trias" in page
    response = client.post(url, {"action": "respond", "agrees": "yes", "own_words": ""})
    assert response.status_code == 400 and not PlanAgreement.objects.exists()  # a youth says it in own words
    client.post(url, {"action": "respond", "agrees": "yes", "own_words": "Ik wil graag weer naar school."})
    client.post(url, {"action": "evaluate", "goal_id": "g1", "score": "4", "comment": "Het gaat beter."})
    client.post(url, {"action": "logbook", "text": "Vandaag de hele dag op school geweest."})
    agreement = PlanAgreement.objects.get()
    assert (agreement.capacity, agreement.own_words, agreement.version) == (
        "youth",
        "Ik wil graag weer naar school.",
        1,
    )
    assert GoalEvaluation.objects.get().rater == "youth" and plan.evaluations.get().score == 4
    assert child.notes.get().author == youth
    assert AccessLogEntry.objects.filter(child_id=child.pk, user_id=youth.pk, action="create").count() == 3


def test_documents_too_large_or_dangerous_are_refused_kindly_and_good_ones_reach_the_team(
    login, settings, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    from django.core.files.uploadedfile import SimpleUploadedFile

    from rondom.portal.models import FamilyDocument

    settings.VAR_DIR = tmp_path
    settings.FAMILY_UPLOAD_MAX_MB = 1
    child = ChildFactory(date_of_birth=born_years_ago(9))
    parent = GuardianshipFactory(child=child).user
    client = login(parent)
    url = f"/portaal/kind/{child.pk}/"
    for upload, reason in [
        (SimpleUploadedFile("virus.exe", b"MZ\x90\x00"), "cannot accept this kind of file"),
        (SimpleUploadedFile("brief.pdf", b"<html><script>alert(1)</script>"), "its content is not PDF"),
        (SimpleUploadedFile("tekening.svg", b"<svg onload=alert(1)>"), "cannot accept this kind of file"),
        (SimpleUploadedFile("groot.pdf", b"%PDF-" + b"0" * (1024 * 1024 + 1)), "too large"),
    ]:
        response = client.post(url, {"action": "document", "file": upload})
        assert response.status_code == 400 and reason in response.content.decode(), upload.name
    assert not FamilyDocument.objects.exists() and not any(tmp_path.rglob("*.*"))
    report = (Path(__file__).parent / "data" / "13-upload-pdf-bytes-before-header.pdf").read_bytes()
    response = client.post(url, {"action": "document", "file": SimpleUploadedFile("verslag.pdf", report)})
    assert response.status_code == 302
    document = FamilyDocument.objects.get()
    assert document.name == "verslag.pdf" and document.file.name != "verslag.pdf"  # stored under a random name
    download = client.get(f"/portaal/kind/{child.pk}/document/{document.pk}/")
    assert download["Content-Disposition"].startswith("attachment") and b"".join(download.streaming_content) == report
    client.logout()
    ib = MembershipFactory(organisation=child.school, role="intern_begeleider").user
    teacher_elsewhere = MembershipFactory(role="intern_begeleider").user
    assert login(ib).get(f"/kinderen/{child.pk}/gezinsdocument/{document.pk}/").status_code == 200
    assert login(teacher_elsewhere).get(f"/kinderen/{child.pk}/gezinsdocument/{document.pk}/").status_code == 404


def test_the_school_offers_a_choice_of_supporters_and_the_family_chooses(login) -> None:  # type: ignore[no-untyped-def]
    from rondom.cases.models import ProviderContact
    from rondom.portal.models import SupporterChoice

    child = ChildFactory(date_of_birth=born_years_ago(9))
    parent = GuardianshipFactory(child=child).user
    ib = MembershipFactory(organisation=child.school, role="intern_begeleider").user
    contacts = [
        ProviderContact.objects.create(
            provider=(org := OrganisationFactory(kind="provider", name=name)),
            membership=MembershipFactory(organisation=org, role="provider_contact"),
            school=child.school,
        )
        for name in ("Trias Jeugdhulp", "De Kern")
    ]
    client = login(ib)
    url = f"/kinderen/{child.pk}/keuze-begeleider/"
    response = client.post(url, {"question": "Wie wilt u als begeleider?", "options": [contacts[0].pk]})
    assert response.status_code == 400 and not SupporterChoice.objects.exists()  # one option is no choice
    client.post(url, {"question": "Wie wilt u als begeleider?", "options": [c.pk for c in contacts]})
    choice = SupporterChoice.objects.get()
    client.logout()
    family = login(parent)
    page = family.get(f"/portaal/kind/{child.pk}/").content.decode()
    assert "Wie wilt u als begeleider?" in page and "De Kern" in page
    family.post(f"/portaal/kind/{child.pk}/", {"action": "choose", "choice": choice.pk, "option": contacts[1].pk})
    choice.refresh_from_db()
    assert (choice.chosen, choice.chosen_by) == (contacts[1], parent) and choice.chosen_at is not None
    family.post(f"/portaal/kind/{child.pk}/", {"action": "choose", "choice": choice.pk, "option": contacts[0].pk})
    choice.refresh_from_db()
    assert choice.chosen == contacts[1]  # made once; a change goes through the school


def test_reacting_to_a_plan_that_does_not_exist_yet_is_refused_on_the_page_not_a_server_error(login) -> None:  # type: ignore[no-untyped-def]
    """The service's refusal names no field (a plain message): the view used to read ``message_dict`` and answer
    500. Now the page comes back (saying, in Dutch, that there is no plan yet) and nothing is written."""
    youth = UserFactory()
    child = ChildFactory(date_of_birth=born_years_ago(13), youth_account=youth)
    client = login(youth)
    client.cookies["django_language"] = "nl"
    response = client.post(f"/portaal/kind/{child.pk}/", {"action": "respond", "agrees": "yes", "own_words": "Goed"})
    assert response.status_code == 400
    assert "Er is nog geen plan." in response.content.decode()
    assert not PlanAgreement.objects.exists()
