"""The daily pass over granted requests (settings.SCHEDULED_TASKS, rondom.swv.tasks): the school's intern
begeleiders and zorgcoördinatoren (task right follow_swv_decisions) hear when an arrangement has not started by its
`start_by`, and settings.SWV_EXPIRY_NOTICE_DAYS before a TLV or arrangement's validity ends (so a new request can be
made in time). Each notice once per request (notifications.notify's key; `start_notice_sent_on`,
`expiry_notice_sent_on` show it in the loket's queue)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils.translation import gettext as _

from rondom.access import tasks
from rondom.notifications.services import active_memberships, notify

from . import rules
from .models import RequestState, SwvRequest


@dataclass(frozen=True)
class Due:
    not_started: int
    expiring: int


def not_started(today: date) -> QuerySet[SwvRequest]:
    """Granted arrangements whose `start_by` has passed on `today` and that have not started."""
    return SwvRequest.objects.filter(
        state=RequestState.GRANTED, kind__in=rules.KINDS_THAT_START, start_by__lt=today, started_on__isnull=True
    )


def expiring(today: date) -> QuerySet[SwvRequest]:
    """Granted TLVs and arrangements whose validity ends within settings.SWV_EXPIRY_NOTICE_DAYS of `today` (and
    has not ended yet), not ended early."""
    horizon = today + timedelta(days=settings.SWV_EXPIRY_NOTICE_DAYS)
    return SwvRequest.objects.filter(
        Q(ended_on__isnull=True),
        state=RequestState.GRANTED,
        kind__in=rules.KINDS_WITH_VALIDITY,
        valid_until__gte=today,
        valid_until__lte=horizon,
    )


def _ibers(school_ids: set[int], today: date) -> dict[int, list]:  # type: ignore[type-arg]
    found: dict[int, list] = {}  # type: ignore[type-arg]
    holders = tasks.roles_of("follow_swv_decisions")
    rows = active_memberships(today).filter(role__in=holders, organisation_id__in=school_ids)
    for m in rows.select_related("user"):
        found.setdefault(m.organisation_id, []).append(m.user)
    return found


def notify_due(today: date) -> Due:
    """Send the notices due on `today` (idempotent: run it as often as you like). The title names no child (an
    e-mail carries no personal data); the link opens the child's page, where the policy decides what the reader
    sees. Returns how many requests were noticed now."""
    late = list(not_started(today).filter(start_notice_sent_on__isnull=True))
    ending = list(expiring(today).filter(expiry_notice_sent_on__isnull=True))
    ibers = _ibers({r.school_id for r in late + ending}, today)
    with transaction.atomic():
        for request in late:
            notify(
                ibers.get(request.school_id, []),
                title=_("Extra support for a pupil has not started (it had to start by %(day)s)")
                % {"day": request.start_by.strftime("%d-%m-%Y") if request.start_by else ""},
                url=reverse("registry:child-detail", args=[request.child_id]),
                key=f"swv-not-started:{request.pk}",
            )
        for request in ending:
            notify(
                ibers.get(request.school_id, []),
                title=_("A decision of the samenwerkingsverband for a pupil ends on %(day)s")
                % {"day": request.valid_until.strftime("%d-%m-%Y") if request.valid_until else ""},
                url=reverse("registry:child-detail", args=[request.child_id]),
                key=f"swv-expiring:{request.pk}",
            )
        SwvRequest.objects.filter(pk__in=[r.pk for r in late]).update(start_notice_sent_on=today)
        SwvRequest.objects.filter(pk__in=[r.pk for r in ending]).update(expiry_notice_sent_on=today)
    return Due(len(late), len(ending))
