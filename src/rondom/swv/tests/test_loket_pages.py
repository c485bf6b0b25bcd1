"""The loket's pages: the queue (its rows, overdue marked, one row per child shown in the log), a request page with
the forms the role allows, and 404 for another SWV's loket."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from rondom.audit.models import AccessLogEntry
from rondom.schoolcalendar.services import add_working_days
from rondom.swv.models import RequestKind, RequestState, SwvRequest

from .loket_world import request_for, world

pytestmark = pytest.mark.django_db


def _page(r: SwvRequest) -> str:
    return f"/swv/loket/{r.child_id}/aanvraag/{r.pk}/"


def test_the_queue_lists_the_open_requests_and_marks_the_overdue(login, django_assert_max_num_queries) -> None:  # type: ignore[no-untyped-def]
    w = world()
    today = timezone.localdate()
    late = request_for(
        w, RequestKind.CONSULTATION, received_on=today - timedelta(days=20), decide_by=today - timedelta(days=2)
    )
    request_for(w, RequestKind.TLV)
    client = login(w.loket.user)
    with django_assert_max_num_queries(30):
        response = client.get("/swv/loket/")
    assert response.status_code == 200
    text = response.content.decode()
    assert text.count('data-overdue="1"') == 1
    assert _page(late) in text
    rows = AccessLogEntry.objects.filter(user_id=w.loket.user.pk, action="search", object_type="swv_request")
    assert rows.count() == 1 and rows.get().ground == "swv_request"  # one child shown, once


def test_another_swvs_loket_gets_404_on_the_request_page_and_an_empty_queue(login) -> None:  # type: ignore[no-untyped-def]
    w, other = world(), world()
    r = request_for(w)
    client = login(other.loket.user)
    assert client.get(_page(r)).status_code == 404
    assert client.post(_page(r), {"action": "decide"}).status_code == 404
    assert _page(r) not in client.get("/swv/loket/").content.decode()


def test_the_loket_plans_and_decides_through_the_page(login) -> None:  # type: ignore[no-untyped-def]
    w = world()
    today = timezone.localdate()
    r = request_for(w, RequestKind.CONSULTATION)
    client = login(w.loket.user)
    page = client.get(_page(r))
    assert page.status_code == 200 and 'value="plan"' in page.content.decode()
    assert 'value="decide"' not in page.content.decode()  # planned on a meeting first (rules.TRANSITIONS)
    day = add_working_days(today, 2)
    assert (
        client.post(_page(r), {"action": "plan", "plan-version": 1, "plan-meeting_on": day.isoformat()}).status_code
        == 302
    )
    assert 'value="decide"' in client.get(_page(r)).content.decode()
    stale = client.post(_page(r), {"action": "plan", "plan-version": 1, "plan-meeting_on": day.isoformat()})
    assert stale.status_code == 409
    empty = client.post(
        _page(r), {"action": "decide", "decide-version": 2, "decide-granted": "yes", "decide-reason": ""}
    )
    assert empty.status_code == 400
    done = client.post(
        _page(r), {"action": "decide", "decide-version": 2, "decide-granted": "yes", "decide-reason": "Overleg volgt."}
    )
    assert done.status_code == 302
    assert SwvRequest.objects.get(pk=r.pk).state == RequestState.GRANTED


def test_the_expert_advises_and_cannot_decide_through_the_page(login) -> None:  # type: ignore[no-untyped-def]
    w = world()
    r = request_for(w, RequestKind.ARRANGEMENT)
    client = login(w.ortho.user)
    page = client.get(_page(r)).content.decode()
    assert 'value="advise"' in page and 'value="decide"' not in page
    refused = client.post(
        _page(r), {"action": "decide", "decide-version": 1, "decide-granted": "yes", "decide-reason": "Ja."}
    )
    assert refused.status_code == 403
    ok = client.post(
        _page(r),
        {
            "action": "advise",
            "advise-expertise": "orthopedagoog",
            "advise-recommends": "yes",
            "advise-text": "Goed plan.",
        },
    )
    assert ok.status_code == 302
    assert SwvRequest.objects.get(pk=r.pk).state == RequestState.ADVISED


def test_the_advice_still_needed_is_said_once_in_dutch_without_a_code_word(login) -> None:  # type: ignore[no-untyped-def]
    # A new user (issue 16) read: "... advies van 1 deskundige nodig. ... advies van 1 deskundigen nodig
    # (seed (ondersteuningsplan)); 0 gegeven."
    w = world()
    arrangement = request_for(w, RequestKind.ARRANGEMENT)
    tlv = request_for(w, RequestKind.TLV)
    client = login(w.loket.user)
    page = client.get(_page(arrangement), HTTP_ACCEPT_LANGUAGE="nl").content.decode()
    assert (
        "Voor deze aanvraag is het advies van 1 deskundige nodig "
        "(het ondersteuningsplan van het samenwerkingsverband); 0 gegeven." in page
    )
    assert "seed" not in page and "1 deskundigen" not in page and "Voor dit soort aanvraag" not in page
    tlv_page = client.get(_page(tlv), HTTP_ACCEPT_LANGUAGE="nl").content.decode()
    assert "advies van 2 deskundigen nodig (WPO art. 18a lid 6; WVO 2020 art. 6.1.1 lid 3); 0 gegeven." in tlv_page
    assert tlv_page.count("deskundigen nodig") == 1


def test_the_loket_reads_the_opp_as_the_school_sent_it_not_its_keys(login) -> None:  # type: ignore[no-untyped-def]
    # A new user (issue 16): a request sent from the school's page showed the loket "plan_version 2" and
    # "opp_basis extra_support", and none of the OPP the school's preview promised.
    w = world()
    r = request_for(w, RequestKind.TLV)
    r.snapshot = {
        "plan_version": 3,
        "opp_basis": "extra_support",
        "opp": {
            "uitstroombestemming": "vmbo basis/kader",
            "onderwijsbehoeften": "Korte instructie.",
            "handelingsdeel": [
                {
                    "id": "a",
                    "support": "Remedial teaching lezen",
                    "by": "rt",
                    "where": "school",
                    "hours_per_week": "1.5",
                    "from": "2026-10-01",
                    "until": "2027-03-01",
                }
            ],
        },
        "goals": [{"description": "Leest zelfstandig", "target": "AVI E5"}],
        "case": {"id": 1, "question": "Past speciaal onderwijs?", "registered_on": "2026-09-01", "history": []},
    }
    r.save()
    page = login(w.loket.user).get(_page(r), HTTP_ACCEPT_LANGUAGE="nl").content.decode()
    assert "Uitstroombestemming" in page and "vmbo basis/kader" in page
    assert "Remedial teaching lezen" in page and "1,5" in page and "1 oktober 2026" in page
    assert "Leest zelfstandig" in page and "Planversie 3" in page
    assert "opp_basis" not in page and "plan_version" not in page and "extra_support" not in page


def test_the_request_page_shows_what_the_school_form_sent_in_words_not_its_keys(login) -> None:  # type: ignore[no-untyped-def]
    """A request sent from the school's form carries the snapshot of services.snapshot_of (plan version, OPP parts,
    handelingsdeel, goals, case): the loket reads the uitstroombestemming and the support under their labels, and no
    code word (plan_version, opp_basis) is shown as a heading."""
    from rondom.swv.services import snapshot_of

    w = world()
    snapshot = {
        **snapshot_of(None, None),
        "plan_version": 3,
        "opp_basis": "extra_support",
        "opp": {
            "uitstroombestemming": "vmbo basis",
            "handelingsdeel": [
                {
                    "support": "Remedial teaching lezen",
                    "by": "de rt'er",
                    "where": "op school",
                    "hours_per_week": "1.5",
                    "from": "2027-01-04",
                    "until": "2027-07-09",
                }
            ],
        },
        "goals": [{"description": "Leest elke dag", "target": "AVI E5"}],
    }
    r = request_for(w, RequestKind.TLV)
    SwvRequest.objects.filter(pk=r.pk).update(snapshot=snapshot)
    text = login(w.loket.user).get(_page(r)).content.decode()
    assert "vmbo basis" in text and "Remedial teaching lezen" in text and "Leest elke dag" in text
    assert "plan_version" not in text and "opp_basis" not in text
