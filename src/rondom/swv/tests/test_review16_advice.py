"""Review of issue 16: a TLV needs the advice of two experts — two people, not two memberships of one person."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from rondom.accounts.models import User
from rondom.core.errors import Invalid
from rondom.swv import decisions
from rondom.swv.models import Advice, RequestState
from tests.factories import MembershipFactory

from .loket_world import request_for, world

pytestmark = pytest.mark.django_db


def test_an_expert_who_came_back_in_a_new_membership_does_not_advise_twice() -> None:
    w = world()
    today = timezone.localdate()
    request = request_for(w, state=RequestState.PLANNED)
    decisions.give_advice(w.ortho.user, request, "orthopedagoog", True, "Ja.", today=today)
    w.ortho.valid_until = today - timedelta(days=1)
    w.ortho.save(update_fields=["valid_until"])
    MembershipFactory(user=w.ortho.user, organisation=w.swv, role="swv_expert", valid_from=today)
    again = User.objects.get(pk=w.ortho.user_id)  # a new login: the roles of today
    with pytest.raises(Invalid) as refused:
        decisions.give_advice(again, request, "psycholoog", True, "Nog eens ja.", today=today)
    assert "request" in refused.value.message_dict
    assert Advice.objects.filter(request=request).count() == 1


def test_two_advices_of_one_person_do_not_make_two_experts() -> None:
    w = world()
    today = timezone.localdate()
    request = request_for(w, state=RequestState.PLANNED)
    w.ortho.valid_until = today - timedelta(days=1)
    w.ortho.save(update_fields=["valid_until"])
    second = MembershipFactory(user=w.ortho.user, organisation=w.swv, role="swv_expert", valid_from=today)
    Advice.objects.create(request=request, expert=w.ortho, expertise="orthopedagoog", recommends=True, text="a")
    Advice.objects.create(request=request, expert=second, expertise="psycholoog", recommends=True, text="b")
    request.state = RequestState.ADVISED
    request.save(update_fields=["state"])
    with pytest.raises(Invalid) as refused:
        decisions.decide(
            w.loket.user,
            request,
            granted=True,
            reason="r",
            tlv_category="low",
            valid_from=today,
            valid_until=today + timedelta(days=730),
            version=request.version,
            today=today,
        )
    assert "advice" in refused.value.message_dict
