"""The demo's samenwerkingsverband queue (rondom.demo.swv): every state, numbers on the decisions, one overdue, one
arrangement not started in time, no event after the demo's today, the loket reads them, and a second run adds
nothing."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from rondom.access import policy
from rondom.accounts.models import User
from rondom.demo import data
from rondom.demo import swv as demo_swv
from rondom.swv.expiry import not_started
from rondom.swv.models import Advice, RequestState, SwvRequest
from tests.factories import ChildFactory, GuardianshipFactory

pytestmark = pytest.mark.django_db

TODAY = date(2026, 11, 30)


def test_the_demo_queue_holds_every_state_and_is_idempotent() -> None:
    with time_machine.travel(datetime(2026, 11, 30, 10, 0, tzinfo=ZoneInfo("Europe/Amsterdam")), tick=False):
        data.load(TODAY)
        from rondom.accounts.models import Organisation

        for name in ("Basisschool De Esch", "Thomas a Kempis College"):
            school = Organisation.objects.get(name=name)
            for _ in range(6):
                GuardianshipFactory(child=ChildFactory(school=school))
        counts = demo_swv.generate(TODAY)
        assert set(counts) == set(RequestState.values)
        found = SwvRequest.objects.all()
        decided = found.filter(state__in=[RequestState.GRANTED, RequestState.REFUSED])
        assert all(r.beschikkingsnummer for r in decided)
        assert len({r.beschikkingsnummer for r in decided}) == decided.count()
        assert found.filter(state=RequestState.GRANTED, kind="tlv").exclude(tlv_category="").exists()
        assert found.filter(state=RequestState.SUBMITTED, decide_by__lt=TODAY).exists()  # overdue
        assert not_started(TODAY).exists()
        assert not found.filter(received_on__gt=TODAY).exists()
        assert all(r.decided_at is None or r.decided_at.date() <= TODAY for r in found)
        # The advice was given on the meeting, before the decision (a new user read advice dated after it).
        for r in found.exclude(meeting_on=None):
            for a in r.advices.all():
                assert a.given_at.date() <= TODAY and a.given_at.date() == r.meeting_on
                assert r.decided_at is None or a.given_at <= r.decided_at
        assert Advice.objects.filter(request__state=RequestState.GRANTED).exists()
        loket = User.objects.get(username="loket")
        readable = policy.children_in_scope(loket).filter(pk__in=found.values("child_id"))
        assert readable.count() == found.exclude(state=RequestState.WITHDRAWN).count()
        assert demo_swv.generate(TODAY) == {}
        assert SwvRequest.objects.count() == found.count()
