"""Review of issue 16: garbage, oversized and extreme input to the new forms never gives a 500."""

from __future__ import annotations

import pytest
from django.utils import timezone

from rondom.swv.models import RequestKind
from rondom.swv.tests.loket_world import request_for, world
from rondom.transfers.tests import world as tw

pytestmark = pytest.mark.django_db

HUGE = "9" * 30


@pytest.mark.parametrize(
    "data",
    [
        {"action": "plan", "plan-meeting_on": "9999-12-31", "plan-version": "1"},
        {"action": "plan", "plan-meeting_on": "0001-01-01", "plan-version": "1"},
        {"action": "plan", "plan-meeting_on": "2026-12-01", "plan-version": HUGE},
        {"action": "plan", "plan-meeting_on": "2026-12-01", "plan-version": "-1"},
        {"action": "advise", "advise-expertise": "x" * 5000, "advise-recommends": "yes", "advise-text": "\x00"},
        {
            "action": "decide",
            "decide-granted": "yes",
            "decide-reason": "r",
            "decide-valid_from": "0001-01-01",
            "decide-valid_until": "9999-12-31",
            "decide-funding_granted": HUGE,
            "decide-version": "1",
        },
        {
            "action": "decide",
            "decide-granted": "yes",
            "decide-reason": "r",
            "decide-tlv_category": "laag",
            "decide-valid_from": "9999-01-01",
            "decide-valid_until": "9999-12-31",
            "decide-version": HUGE,
        },
        {"action": "start", "start-started_on": "9999-12-31", "start-version": HUGE},
        {"action": "end", "end-ended_on": "0001-01-01", "end-version": "1"},
        {"action": "decide"},
        {"action": "x" * 10000},
    ],
)
def test_the_loket_forms_never_500(login, data) -> None:  # type: ignore[no-untyped-def]
    w = world()
    r = request_for(w, RequestKind.TLV, categories=["identity", "support"])
    client = login(w.loket.user)
    response = client.post(f"/swv/loket/{r.child_id}/aanvraag/{r.pk}/", data)
    assert response.status_code in (302, 400, 404, 409), response.status_code


@pytest.mark.parametrize(
    "data",
    [
        {"school": "34CD", "kind": "po_vo", "moves_on": "9999-12-01", "previous_access_until": "9999-12-31"},
        {"school": "34CD", "kind": "po_vo", "moves_on": "0001-01-01", "previous_access_until": "0001-01-02"},
        {"school": "\x00" * 10, "kind": "po_vo", "moves_on": "2099-01-01", "previous_access_until": "2099-01-02"},
        {
            "school": "34CD",
            "kind": "po_vo",
            "moves_on": "2099-01-05",
            "previous_access_until": "2099-01-06",
            "message": "\x00bad",
        },
        {
            "school": "34CD",
            "kind": "po_vo",
            "moves_on": "2099-01-05",
            "previous_access_until": "2099-01-06",
            "help": [HUGE],
            "professionals": ["abc"],
        },
    ],
)
def test_the_offer_form_never_500s(login, data) -> None:  # type: ignore[no-untyped-def]
    world_ = tw.build()
    client = login(world_.po_ib)
    response = client.post(f"/kinderen/{world_.child.pk}/overstap/", data)
    assert response.status_code == 400, response.status_code
    assert not world_.child.transfers.exists()


def test_a_first_day_years_ahead_is_refused_on_its_field(login) -> None:  # type: ignore[no-untyped-def]
    world_ = tw.build()
    data = {"school": "34CD", "kind": "po_vo", "moves_on": "9999-12-01", "previous_access_until": "9999-12-31"}
    response = login(world_.po_ib).post(f"/kinderen/{world_.child.pk}/overstap/", data)
    assert response.status_code == 400
    assert "moves_on" in response.context["form"].errors


@pytest.mark.parametrize(
    "data",
    [
        {"version": HUGE},
        {"version": "-5"},
        {"action": "decline", "version": HUGE, "decline_reason": "x"},
        {"action": "decline", "version": "1", "decline_reason": "\x00"},
        {"action": "withdraw", "version": HUGE},
    ],
)
def test_the_transfer_forms_never_500(login, data) -> None:  # type: ignore[no-untyped-def]
    world_ = tw.build()
    transfer = tw.offer(world_)
    tw.consent(world_)
    for user in (world_.vo_ib, world_.po_ib):
        response = login(user).post(f"/kinderen/{world_.child.pk}/overstap/{transfer.pk}/", data)
        assert response.status_code in (302, 400, 403, 409), (user, response.status_code)
    assert timezone.now()
