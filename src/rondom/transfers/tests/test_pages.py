"""The warm transfer's pages: offer, receipt, accept/decline (409 on a stale version), report PDF, portal consent."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from rondom.audit.models import AccessLogEntry
from rondom.registry.models import Child
from rondom.transfers.models import Transfer, TransferState

from . import world as w

pytestmark = pytest.mark.django_db


def _offer_data(school: str) -> dict[str, str]:
    today = timezone.localdate()
    return {
        "school": school,
        "kind": "po_vo",
        "moves_on": (today + timedelta(days=14)).isoformat(),
        "previous_access_until": (today + timedelta(days=30)).isoformat(),
        "message": "Fijne leerling.",
    }


def test_the_offer_form_refuses_a_school_that_does_not_exist_in_dutch(login) -> None:  # type: ignore[no-untyped-def]
    world = w.build()
    client = login(world.po_ib)
    assert client.get(f"/kinderen/{world.child.pk}/overstap/").status_code == 200
    response = client.post(
        f"/kinderen/{world.child.pk}/overstap/", _offer_data("Bestaat Niet"), HTTP_ACCEPT_LANGUAGE="nl"
    )
    assert response.status_code == 400
    assert "Fijne leerling." in response.content.decode()
    assert not Transfer.objects.exists()


def test_the_offer_form_offers_to_a_school_by_brin(login) -> None:  # type: ignore[no-untyped-def]
    world = w.build()
    response = login(world.po_ib).post(f"/kinderen/{world.child.pk}/overstap/", _offer_data("34CD"))
    assert response.status_code == 302
    transfer = Transfer.objects.get()
    assert transfer.to_school == world.vo and transfer.from_school == world.po
    assert AccessLogEntry.objects.filter(object_type="transfer", action="create", child_id=world.child.pk).exists()


def test_the_receiving_school_lists_opens_and_accepts(login) -> None:  # type: ignore[no-untyped-def]
    world = w.build()
    transfer = w.offer(world)
    w.consent(world)
    client = login(world.vo_zc)
    listing = client.get("/overstap/")
    assert listing.status_code == 200 and world.child.given_name in listing.content.decode()
    page = client.get(f"/kinderen/{world.child.pk}/overstap/{transfer.pk}/")
    assert page.status_code == 200
    transfer.refresh_from_db()
    assert transfer.received_at is not None
    # While deciding the receiving school cannot download the report.
    assert client.get(f"/kinderen/{world.child.pk}/overstap/{transfer.pk}/rapport.pdf").status_code == 403
    response = client.post(
        f"/kinderen/{world.child.pk}/overstap/{transfer.pk}/", {"action": "accept", "version": transfer.version}
    )
    assert response.status_code == 302
    assert Child.objects.get(pk=world.child.pk).school == world.vo
    # A second click on the old version: the accepted transfer, no error.
    again = client.post(f"/kinderen/{world.child.pk}/overstap/{transfer.pk}/", {"action": "accept", "version": 1})
    assert again.status_code == 302
    pdf = client.get(f"/kinderen/{world.child.pk}/overstap/{transfer.pk}/rapport.pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert AccessLogEntry.objects.filter(object_type="transfer_report", action="print", user_id=world.vo_zc.pk).exists()


def test_decline_needs_a_reason_and_a_stale_version_answers_409(login) -> None:  # type: ignore[no-untyped-def]
    world = w.build()
    transfer = w.offer(world)
    w.consent(world)
    client = login(world.vo_ib)
    url = f"/kinderen/{world.child.pk}/overstap/{transfer.pk}/"
    assert client.post(url, {"action": "decline", "version": 1, "decline_reason": ""}).status_code == 400
    Transfer.objects.filter(pk=transfer.pk).update(version=5)
    assert client.post(url, {"action": "decline", "version": 1, "decline_reason": "Vol."}).status_code == 409
    assert Transfer.objects.get(pk=transfer.pk).state == TransferState.OFFERED
    assert client.post(url, {"action": "decline", "version": 5, "decline_reason": "Vol."}).status_code == 302
    assert Child.objects.get(pk=world.child.pk).school == world.po


def test_the_sending_school_downloads_the_report(login) -> None:  # type: ignore[no-untyped-def]
    world = w.build()
    transfer = w.offer(world)
    response = login(world.po_ib).get(f"/kinderen/{world.child.pk}/overstap/{transfer.pk}/rapport.pdf")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"


def test_the_parent_consents_in_the_portal_and_the_child_page_links_there(login) -> None:  # type: ignore[no-untyped-def]
    world = w.build()
    w.offer(world)
    client = login(world.parent)
    child_page = client.get(f"/portaal/kind/{world.child.pk}/")
    assert f"/portaal/kind/{world.child.pk}/overstap/" in child_page.content.decode()
    assert client.get(f"/portaal/kind/{world.child.pk}/overstap/").status_code == 200
    assert client.post(f"/portaal/kind/{world.child.pk}/overstap/").status_code == 302
    assert world.child.consents.filter(purpose="transfer", recipient=world.vo).count() == 1
    assert login(world.vo_ib).get(f"/kinderen/{world.child.pk}/").status_code == 200


def test_the_record_page_shows_the_transfer_status(login) -> None:  # type: ignore[no-untyped-def]
    world = w.build()
    transfer = w.offer(world)
    page = login(world.po_ib).get(f"/kinderen/{world.child.pk}/").content.decode()
    assert f"/kinderen/{world.child.pk}/overstap/{transfer.pk}/" in page


def test_the_sending_school_withdraws_an_offered_transfer(login) -> None:  # type: ignore[no-untyped-def]
    world = w.build()
    transfer = w.offer(world)
    client = login(world.po_ib)
    url = f"/kinderen/{world.child.pk}/overstap/{transfer.pk}/"
    assert "withdraw-form" in client.get(url).content.decode()
    assert client.post(url, {"action": "withdraw", "version": 1}).status_code == 302
    assert Transfer.objects.get(pk=transfer.pk).state == TransferState.WITHDRAWN


def test_my_cases_links_to_the_incoming_transfers(login) -> None:  # type: ignore[no-untyped-def]
    # A new user (issue 16): the zorgcoördinator found no way to the incoming transfers but typing /overstap/.
    world = w.build()
    w.offer(world)
    w.consent(world)
    client = login(world.vo_zc)
    page = client.get("/casussen/").content.decode()
    assert 'href="/overstap/"' in page
    assert world.child.given_name in client.get("/overstap/").content.decode()


def test_the_record_page_s_latest_transfer_is_the_model_s_first_in_its_order() -> None:
    from rondom.transfers.templatetags.transfers_tags import latest_transfer

    world = w.build()
    assert latest_transfer(world.child.pk) is None
    first = w.offer(world)
    Transfer.objects.filter(pk=first.pk).update(state=TransferState.WITHDRAWN)
    second = w.offer(world)
    assert latest_transfer(world.child.pk) == Transfer.objects.filter(child=world.child).first() == second
    # The same moment: the higher number is the later one, as Transfer.Meta.ordering says.
    Transfer.objects.filter(pk=first.pk).update(offered_at=second.offered_at)
    assert latest_transfer(world.child.pk) == Transfer.objects.filter(child=world.child).first() == second
    Transfer.objects.filter(pk=first.pk).update(offered_at=second.offered_at + timedelta(seconds=1))
    found = latest_transfer(world.child.pk)
    assert found == Transfer.objects.filter(child=world.child).first() == first
    assert found is not None and found.to_school.name == first.to_school.name
