"""Beschikkingsnummers under concurrency (rondom.swv.numbers): two decisions at the same moment, each on its own
database connection, get different numbers. No django_db marker: `concurrent` commits for the threads."""

from __future__ import annotations

from django.utils import timezone

from rondom.swv import decisions
from rondom.swv.models import RequestKind, RequestState
from tests.concurrency import at_once, concurrent

from .loket_world import request_for, world


def _today():  # type: ignore[no-untyped-def]
    return timezone.localdate()


@concurrent
def test_two_decisions_at_the_same_moment_get_different_numbers() -> None:
    w = world()
    requests = [request_for(w, RequestKind.CONSULTATION, state=RequestState.PLANNED) for _ in range(2)]
    user_id = w.loket.user.pk
    queue = list(requests)

    def decide_one() -> str:
        from rondom.accounts.models import User

        request = queue.pop()
        user = User.objects.get(pk=user_id)
        return decisions.decide(user, request, granted=True, reason="Ja.", version=1, today=_today()).beschikkingsnummer

    results = at_once(2, decide_one)
    assert all(isinstance(r, str) for r in results), results
    assert len(set(results)) == 2
    assert sorted(results) == [f"SWV-{w.swv.pk}-{_today().year}-000{n}" for n in (1, 2)]  # type: ignore[type-var]
