"""Reads for the case pages, always within the access policy's scope."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.db.models import F, QuerySet
from django.utils import timezone

from rondom.access import policy
from rondom.access.categories import Action, DataCategory
from rondom.access.models import AccessGrant, TeamMembership
from rondom.access.policy import Decision, children_in_scope
from rondom.accounts.models import User
from rondom.registry.models import Child

from .models import Case, HelpRequest, Meeting, SocialWorkActivity
from .workflow import OPEN_STATES


def cases_for(user: User, state: str | None = None) -> QuerySet[Case]:
    cases = Case.objects.filter(child__in=children_in_scope(user)).select_related("child", "status", "team__school")
    if state:
        cases = cases.filter(status__state=state)
    return cases.order_by("decision_due", "pk")


def readable_cases(
    user: User, state: str | None = None, limit: int = 200, queryset: QuerySet[Case] | None = None
) -> list[tuple[Case, Decision]]:
    """Cases whose support data the user may read, with the decision per child. Being in scope is not enough:
    some grounds cover only basic details (an open request for help, leerplicht's legal task)."""
    cases = queryset if queryset is not None else cases_for(user, state)
    decisions: dict[int, Decision] = {}
    shown: list[tuple[Case, Decision]] = []
    for case in cases.iterator(chunk_size=limit):
        if case.child_id not in decisions:
            decisions[case.child_id] = policy.decide(user, case.child, Action.SEARCH, DataCategory.SUPPORT)
        if decisions[case.child_id].allowed:
            shown.append((case, decisions[case.child_id]))
            if len(shown) == limit:
                break
    return shown


def open_case(child: Child) -> Case | None:
    return (
        Case.objects.filter(child=child, status__state__in=OPEN_STATES).select_related("status").order_by("-pk").first()
    )


def upcoming_meetings(user: User) -> QuerySet[Meeting]:
    schools = [m.organisation_id for m in user.roles() if m.role in ("intern_begeleider", "zorgcoordinator")]
    return (
        Meeting.objects.filter(team__school_id__in=schools, date__gte=timezone.localdate())
        .select_related("team__school")
        .prefetch_related("items__case__child", "items__invited__user")
        .order_by("date")
    )


def inbox(user: User) -> QuerySet[HelpRequest]:
    return (
        HelpRequest.objects.filter(contact__user=user)
        .select_related("case__child", "case__child__school", "provider")
        # Open first, then joined, then closed; newest first within each (same order on SQLite and PostgreSQL).
        .order_by(F("closed_at").desc(nulls_first=True), F("joined_at").desc(nulls_first=True), "-requested_at")
    )


@dataclass(frozen=True)
class Involvement:
    name: str
    organisation: str
    role: str
    since: datetime | None
    active: bool
    via: str


def involved(child: Child) -> list[Involvement]:
    """Every professional and organisation around the child, with role, since when and whether active."""
    now = timezone.now()
    people: dict[tuple[int, str], Involvement] = {}
    for tm in TeamMembership.objects.filter(child=child).select_related("membership__user", "membership__organisation"):
        m = tm.membership
        people[(m.user_id, m.role)] = Involvement(
            m.user.display_name,
            m.organisation.name,
            m.get_role_display(),
            tm.started_at,
            tm.ended_at is None,
            "support_team",
        )
    for grant in AccessGrant.objects.filter(child=child).select_related("grantee__user", "grantee__organisation"):
        m = grant.grantee
        active = grant.revoked_at is None and grant.valid_until > now
        key = (m.user_id, m.role)
        if key not in people or active:
            people[key] = Involvement(
                m.user.display_name, m.organisation.name, m.get_role_display(), grant.valid_from, active, "bring_in"
            )
    activities = SocialWorkActivity.objects.filter(case__child=child).select_related(
        "social_worker__user", "social_worker__organisation"
    )
    for activity in activities.order_by("date"):
        m = activity.social_worker
        people.setdefault(
            (m.user_id, m.role),
            Involvement(m.user.display_name, m.organisation.name, m.get_role_display(), None, True, "social_work"),
        )
    return sorted(people.values(), key=lambda i: (not i.active, i.organisation, i.name))


def helper_overload(involvements: list[Involvement]) -> bool:
    """'Stapeling van ondersteuners': more active helpers than configured."""
    return sum(1 for i in involvements if i.active) > settings.MAX_ACTIVE_HELPERS


@dataclass(frozen=True)
class Node:
    x: float
    y: float
    label: str
    sublabel: str
    active: bool


def network_layout(child_label: str, involvements: list[Involvement], size: int = 480) -> tuple[Node, list[Node]]:
    """Positions for the network picture: the child in the middle, helpers on a circle around it."""
    centre = size / 2
    radius = size / 2 - 70
    nodes = []
    count = max(len(involvements), 1)
    for index, inv in enumerate(involvements):
        angle = 2 * math.pi * index / count - math.pi / 2
        nodes.append(
            Node(
                round(centre + radius * math.cos(angle), 1),
                round(centre + radius * math.sin(angle), 1),
                inv.name,
                inv.organisation,
                inv.active,
            )
        )
    return Node(centre, centre, child_label, "", True), nodes
