"""The instemming pages: the portal's OPP page and minutes page (plain language, one action, the hash of what was
shown, DigiD or e-mail code recorded), another family's child answered with 404, the staff's paper signature with
its scan (bad file type refused, the scan only through the guarded download), the status include and the timeline."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from rondom.access import policy
from rondom.accounts.middleware import FAMILY_VERIFIED
from rondom.audit.models import AccessLogEntry
from rondom.cases import timeline
from rondom.cases.models import AgendaItem, Meeting
from rondom.core.categories import Action, DataCategory
from rondom.opp import instemming as service
from rondom.opp.hashing import handelingsdeel_hash, minutes_hash
from rondom.opp.models import Instemming
from rondom.opp.tests.conftest import TODAY, opp_content, save_version
from tests.conftest_helpers import verified_client
from tests.factories import GuardianshipFactory

pytestmark = pytest.mark.django_db


def _client(user: Any, **kwargs: Any) -> Client:
    client = Client()
    client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = "en"
    return verified_client(client, user, **kwargs)


def _opp_url(world: dict[str, Any]) -> str:
    return f"/portaal/kind/{world['child'].pk}/opp/"


def test_the_portal_shows_the_handelingsdeel_in_plain_language_with_the_hash(world) -> None:  # type: ignore[no-untyped-def]
    client = _client(world["mother"].user)
    page = client.get(_opp_url(world)).content.decode()
    assert "Where we expect your child to go after this school" in page and "vmbo kader" in page  # sections' plain
    assert "Twee keer per week leesles. Who gives it: meester Jan. Where: in de klas. 1.5 hours a week." in page
    assert f'value="{handelingsdeel_hash(world["plan"].content)}"' in page
    assert 'value="yes"' in page and 'value="no"' in page
    row = AccessLogEntry.objects.filter(object_type="portal_opp").get()
    assert (row.action, row.category, row.ground) == ("read", "support", "parent")
    # The portal's child page links to it.
    assert _opp_url(world) in client.get(f"/portaal/kind/{world['child'].pk}/").content.decode()


def test_agreeing_in_the_portal_with_the_e_mail_code_is_recorded_as_such(world) -> None:  # type: ignore[no-untyped-def]
    client = _client(world["mother"].user)
    shown = handelingsdeel_hash(world["plan"].content)
    response = client.post(_opp_url(world), {"answer": "yes", "own_words": "", "shown_hash": shown})
    assert response.status_code == 302
    row = Instemming.objects.get()
    assert row.method == "email_code" and row.agrees and row.content_hash == shown and row.plan_version == 1
    assert "You agreed on" in client.get(_opp_url(world)).content.decode()


def test_agreeing_after_signing_in_with_digid_is_recorded_as_digid(world, settings) -> None:  # type: ignore[no-untyped-def]
    settings.AUTHENTICATION_BACKENDS = [*settings.AUTHENTICATION_BACKENDS, service.DIGID_BACKEND]
    for name in ("OIDC_OP_TOKEN_ENDPOINT", "OIDC_OP_USER_ENDPOINT", "OIDC_OP_JWKS_ENDPOINT"):
        setattr(settings, name, "https://broker.invalid/x")
    settings.OIDC_RP_CLIENT_ID, settings.OIDC_RP_CLIENT_SECRET = "rondom", "secret"
    client = Client()
    client.force_login(world["mother"].user, backend=service.DIGID_BACKEND)
    session = client.session
    session[FAMILY_VERIFIED] = True
    session.save()
    shown = handelingsdeel_hash(world["plan"].content)
    assert client.post(_opp_url(world), {"answer": "yes", "shown_hash": shown}).status_code == 302
    assert Instemming.objects.get().method == "digid"


def test_a_stale_page_is_refused_and_shows_the_new_version(world) -> None:  # type: ignore[no-untyped-def]
    client = _client(world["mother"].user)
    old = handelingsdeel_hash(world["plan"].content)
    save_version(world["plan"], opp_content(support="Drie keer per week leesles"))
    response = client.post(_opp_url(world), {"answer": "yes", "shown_hash": old})
    page = response.content.decode()
    assert response.status_code == 409 and "old version" in page and "Drie keer per week" in page
    assert f'value="{handelingsdeel_hash(world["plan"].content)}"' in page
    assert not Instemming.objects.exists()


def test_a_refusal_in_the_portal_says_what_happens_next_and_the_staff_see_a_conversation(world) -> None:  # type: ignore[no-untyped-def]
    client = _client(world["mother"].user)
    shown = handelingsdeel_hash(world["plan"].content)
    response = client.post(_opp_url(world), {"answer": "no", "own_words": "", "shown_hash": shown})
    assert response.status_code == 400 and "in your own words" in response.content.decode()
    client.post(_opp_url(world), {"answer": "no", "own_words": "Liever buiten de klas.", "shown_hash": shown})
    page = client.get(_opp_url(world)).content.decode()
    assert "What happens now?" in page and world["ib"].display_name in page
    staff = _client(world["ib"]).get(f"/kinderen/{world['child'].pk}/opp/instemming-op-papier/").content.decode()
    assert "Conversation needed" in staff and "Liever buiten de klas." in staff


def test_another_familys_child_is_not_found_and_writes_nothing(world) -> None:  # type: ignore[no-untyped-def]
    stranger = GuardianshipFactory(user__email="ander@example.org").user
    client = _client(stranger)
    shown = handelingsdeel_hash(world["plan"].content)
    assert client.get(_opp_url(world)).status_code == 404
    assert client.post(_opp_url(world), {"answer": "yes", "shown_hash": shown}).status_code == 404
    assert not Instemming.objects.exists()


def test_a_parent_without_authority_cannot_open_the_page(world) -> None:  # type: ignore[no-untyped-def]
    world["father"].has_authority = False
    world["father"].save()
    assert _client(world["father"].user).get(_opp_url(world)).status_code == 404


def _item(world: dict[str, Any], *, parents_invited: bool = True) -> AgendaItem:
    from rondom.cases import services as case_services
    from rondom.cases.models import Signal

    signal = Signal.objects.create(
        child=world["child"], source="teacher", concerns=["learning"], description="Zorg.", conversation_on=TODAY
    )
    case = case_services.register_case(world["ib"], signal, question="Wat helpt?", today=TODAY)
    meeting = Meeting.objects.create(team=case.team, date=TODAY)
    return AgendaItem.objects.create(
        meeting=meeting, case=case, minutes="Afgesproken: leesles.", parents_invited=parents_invited
    )


def test_the_minutes_are_agreed_and_a_change_asks_again(world) -> None:  # type: ignore[no-untyped-def]
    item = _item(world)
    client = _client(world["mother"].user)
    url = f"/portaal/kind/{world['child'].pk}/notulen/{item.pk}/"
    assert url in client.get(_opp_url(world)).content.decode()
    page = client.get(url).content.decode()
    assert "Afgesproken: leesles." in page and minutes_hash(item.minutes) in page
    assert client.post(url, {"answer": "yes", "shown_hash": minutes_hash(item.minutes)}).status_code == 302
    row = Instemming.objects.get()
    assert row.subject == "minutes" and row.agenda_item == item and row.content_hash == minutes_hash(item.minutes)
    assert service.minutes_status(item, TODAY).agreed[0].decider.guardianship == world["mother"]
    old = item.minutes
    item.minutes = "Afgesproken: leesles en huiswerkbegeleiding."
    item.save()
    assert service.minutes_status(item, TODAY).state == service.OPEN  # asked again
    assert client.post(url, {"answer": "yes", "shown_hash": minutes_hash(old)}).status_code == 409


def test_minutes_the_parents_were_not_invited_to_are_not_found(world) -> None:  # type: ignore[no-untyped-def]
    item = _item(world, parents_invited=False)
    url = f"/portaal/kind/{world['child'].pk}/notulen/{item.pk}/"
    assert _client(world["mother"].user).get(url).status_code == 404


def _scan(name: str, data: bytes, content_type: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type=content_type)


PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 612 792]>>endobj\n"
    b"xref\n0 4\n0000000000 65535 f \n0000000009 00000 n \n0000000052 00000 n \n0000000101 00000 n \n"
    b"trailer<</Size 4/Root 1 0 R>>\nstartxref\n170\n%%EOF\n"
)


def test_a_paper_signature_is_recorded_with_its_scan_and_downloaded_only_through_the_guarded_view(world) -> None:  # type: ignore[no-untyped-def]
    client = _client(world["ib"])
    url = f"/kinderen/{world['child'].pk}/opp/instemming-op-papier/"
    assert client.get(url).status_code == 200
    data = {"signer": f"parent:{world['father'].pk}", "agrees": "yes", "signed_on": TODAY.isoformat()}
    bad = client.post(url, {**data, "scan": _scan("scan.pdf", b"MZ\x90\x00 not a pdf", "application/pdf")})
    assert bad.status_code == 400 and not Instemming.objects.exists()
    exe = client.post(url, {**data, "scan": _scan("scan.exe", b"MZ\x90\x00", "application/octet-stream")})
    assert exe.status_code == 400 and "PDF or a photo" in exe.content.decode()
    assert client.post(url, {**data, "scan": _scan("handtekening.pdf", PDF, "application/pdf")}).status_code == 302
    row = Instemming.objects.get()
    assert row.method == "paper" and row.guardianship == world["father"] and row.signed_on == TODAY
    assert row.scan_content_type == "application/pdf" and row.content_hash == handelingsdeel_hash(world["plan"].content)
    # Stored privately: in the data folder's uploads (models._private_storage), not in the static or media files.
    assert Path(row.scan.storage.location).name == "uploads" and Path(row.scan.path).parent.name == "signatures"
    assert AccessLogEntry.objects.filter(object_type="instemming", object_id=str(row.pk), ground="school_role").exists()
    download = client.get(f"/kinderen/{world['child'].pk}/opp/instemming/{row.pk}/scan/")
    assert download.status_code == 200 and b"".join(download.streaming_content).startswith(b"%PDF")
    assert AccessLogEntry.objects.filter(object_type="instemming_scan", action="read").exists()
    family = _client(world["mother"].user).get(f"/kinderen/{world['child'].pk}/opp/instemming/{row.pk}/scan/")
    assert family.status_code in (302, 404)  # a family login never reaches a staff download
    row.scan.delete(save=False)


def test_a_paper_signature_in_the_future_is_refused(world) -> None:  # type: ignore[no-untyped-def]
    from datetime import timedelta

    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as refused:
        service.record_paper_instemming(
            world["ib"],
            world["plan"],
            world["mother"],
            agrees=True,
            signed_on=TODAY + timedelta(days=1),
            scan=_scan("s.pdf", PDF, "application/pdf"),
            today=TODAY,
        )
    assert "signed_on" in refused.value.message_dict and not Instemming.objects.exists()


def test_the_timeline_shows_an_instemming_given_and_refused(world) -> None:  # type: ignore[no-untyped-def]
    client = _client(world["mother"].user)
    shown = handelingsdeel_hash(world["plan"].content)
    client.post(_opp_url(world), {"answer": "no", "own_words": "Niet eens.", "shown_hash": shown})
    _client(world["father"].user).post(_opp_url(world), {"answer": "yes", "shown_hash": shown})
    decision = policy.decide(world["ib"], world["child"], Action.READ, DataCategory.SUPPORT)
    kinds = [e.kind for e in timeline.timeline(world["child"], decision=decision, readable={"support"})]
    assert "instemming_given" in kinds and "instemming_refused" in kinds


def test_no_personal_data_in_the_urls() -> None:
    from rondom.opp import portal_views, views_paper

    for pattern in [*portal_views.urlpatterns, *views_paper.urlpatterns]:
        names = re.findall(r"<(?:\w+:)?(\w+)>", str(pattern.pattern))
        assert set(names) <= {"child_id", "item_id", "instemming_id"}, pattern


def test_the_portal_page_and_the_staff_status_read_as_dutch(world) -> None:  # type: ignore[no-untyped-def]
    from django.utils.html import strip_tags

    from tests.dutch_text import code_words, text_problems

    client = _client(world["mother"].user)
    client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = "nl"
    shown = handelingsdeel_hash(world["plan"].content)
    client.post(_opp_url(world), {"answer": "no", "own_words": "Liever buiten de klas.", "shown_hash": shown})
    page = client.get(_opp_url(world)).content.decode()
    assert "Ik stem in" in page and "Ik stem niet in" in page and "1,5 uur per week" in page
    assert "Wat gebeurt er nu?" in page
    words = code_words()
    assert text_problems(strip_tags(page.split("<main", 1)[1]), words) == []
    staff = _client(world["ib"])
    staff.cookies[django_settings.LANGUAGE_COOKIE_NAME] = "nl"
    paper = staff.get(f"/kinderen/{world['child'].pk}/opp/instemming-op-papier/").content.decode()
    assert "Gesprek nodig" in paper and "Nog geen antwoord" in paper
    assert text_problems(strip_tags(paper.split("<main", 1)[1]), words) == []


def test_a_paper_signature_sent_twice_is_recorded_once(world) -> None:  # type: ignore[no-untyped-def]
    rows = [
        service.record_paper_instemming(
            world["ib"],
            world["plan"],
            world["mother"],
            agrees=True,
            signed_on=TODAY,
            scan=_scan("s.pdf", PDF, "application/pdf"),
            today=TODAY,
        )
        for _ in range(2)
    ]
    assert rows[0].pk == rows[1].pk and Instemming.objects.count() == 1
    rows[0].scan.delete(save=False)


def test_a_parent_of_a_pupil_of_18_is_not_asked(world) -> None:  # type: ignore[no-untyped-def]
    from django.core.exceptions import ValidationError

    from rondom.opp.tests.conftest import NOW, found_for

    user = world["mother"].user
    found = found_for(user, world["child"])  # (from 16 the portal lets a parent in only when the youth agreed)
    found.child.date_of_birth = TODAY.replace(year=TODAY.year - 19)
    with pytest.raises(ValidationError) as refused:
        service.give_instemming(
            user,
            found,
            agrees=True,
            own_words="",
            shown_hash=handelingsdeel_hash(world["plan"].content),
            method="email_code",
            now=NOW,
        )
    assert "guardianship" in refused.value.message_dict and not Instemming.objects.exists()
