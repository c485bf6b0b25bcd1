"""Reads for the case pages, always within the access policy's scope."""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from django.conf import settings
from django.core.paginator import Page, Paginator
from django.db.models import Case as DbCase
from django.db.models import F, Q, QuerySet, Sum, Value, When
from django.utils import timezone
from django.utils.translation import gettext as _

from rondom.access import policy, tasks
from rondom.access.models import AccessGrant, TeamMembership
from rondom.access.policy import Decision, children_in_scope
from rondom.accounts.models import Membership, User
from rondom.consent.models import Consent
from rondom.core.categories import Action, DataCategory
from rondom.core.schoolyear import SchoolYear
from rondom.registry.models import Child

from .models import Case, HelpRequest, Meeting, SocialWorkActivity
from .workflow import OPEN_STATES, State


def cases_for(user: User, state: str | None = None) -> QuerySet[Case]:
    cases = Case.objects.filter(child__in=children_in_scope(user)).select_related("child", "status", "team__school")
    if state:
        cases = cases.filter(status__state=state)
    return cases.order_by("decision_due", "pk")


def readable_case_query(user: User, state: str | None = None) -> QuerySet[Case]:
    """Cases whose support data the user may read, as ONE query (issue 17): the children come from the policy's
    list scope `policy.allowed_children(user, SEARCH, SUPPORT)`, never from a decision per case. Being in scope is
    not enough: some grounds cover only basic details (an open request for help, leerplicht's legal task).
    `state`: one `State` value to narrow to, or None. Soonest decision first. Raises nothing."""
    cases = Case.objects.filter(child__in=policy.allowed_children(user, Action.SEARCH, DataCategory.SUPPORT))
    if state:
        cases = cases.filter(status__state=state)
    return cases.select_related("child", "status", "team__school").order_by("decision_due", "pk")


def page_decisions(user: User, cases: Iterable[Case]) -> dict[int, Decision]:
    """The decision (SEARCH on SUPPORT) per child of the cases of ONE page, by child id, for the access log's ground
    (`policy.decide_many` over only those children, so bounded by the page size). Raises nothing."""
    children = {case.child_id: case.child for case in cases}
    return policy.decide_many(user, children.values(), Action.SEARCH, DataCategory.SUPPORT)


def readable_cases(
    user: User, state: str | None = None, limit: int | None = 200, queryset: QuerySet[Case] | None = None
) -> list[tuple[Case, Decision]]:
    """Cases whose support data the user may read (`readable_case_query`; a given `queryset` of cases, then used
    as it is without `state`, is narrowed to the same children), at most `limit` of them (None: all), each with the
    decision on its child (`page_decisions`, over the children shown only). The list is one query; lists that page
    should page `readable_case_query` itself and ask `page_decisions` for the page."""
    if queryset is None:
        cases = readable_case_query(user, state)
    else:
        cases = queryset.filter(child__in=policy.allowed_children(user, Action.SEARCH, DataCategory.SUPPORT))
    shown = list(cases if limit is None else cases[:limit])
    decisions = page_decisions(user, shown)
    return [(case, decisions[case.child_id]) for case in shown]


def case_worklist(user: User, status: str = "open") -> QuerySet[Case]:
    """'Mijn casussen' as a work list (issue 14): the cases whose support data the user may read, as ONE query to
    count and page (`readable_case_query`, issue 17). `status`: "open" (default: every state but closed), "closed",
    "all", or one `State` value. Open cases first, then newest first. The decisions for the access log come from
    `page_decisions` over the page shown. Raises nothing."""
    cases = readable_case_query(user)
    if status == "open":
        cases = cases.filter(status__state__in=OPEN_STATES)
    elif status != "all":
        cases = cases.filter(status__state=status)
    closed_last = DbCase(When(status__state=State.CLOSED, then=Value(1)), default=Value(0))
    return cases.order_by(closed_last, "-registered_at", "-pk")


def open_case(child: Child) -> Case | None:
    return (
        Case.objects.filter(child=child, status__state__in=OPEN_STATES).select_related("status").order_by("-pk").first()
    )


def upcoming_meetings(user: User) -> QuerySet[Meeting]:
    schools = [m.organisation_id for m in tasks.memberships(user, "manage_team")]
    return (
        Meeting.objects.filter(team__school_id__in=schools, date__gte=timezone.localdate())
        .select_related("team__school", "chair__user")
        .prefetch_related("items__case__child", "items__invited__user")
        .order_by("date", "starts_at", "pk")
    )


def inbox(user: User) -> QuerySet[HelpRequest]:
    return (
        HelpRequest.objects.filter(contact__user=user)
        .select_related("case__child", "case__child__school", "provider")
        # Open first, then joined, then closed; newest first within each (same order on SQLite and PostgreSQL).
        .order_by(F("closed_at").desc(nulls_first=True), F("joined_at").desc(nulls_first=True), "-requested_at")
    )


LOG_PAGE_SIZE = 50


def social_work_membership(user: User) -> Membership | None:
    """The task right behind *Mijn logboek* (page and menu): the user's membership holding `log_social_work`
    (access.tasks), or None."""
    return next(iter(tasks.memberships(user, "log_social_work")), None)


@dataclass(frozen=True)
class SocialWorkLog:
    """One school year of a social worker's log: the activities newest first, a page at a time, and the hours per
    role over the whole school year (not over the page shown)."""

    year: SchoolYear
    page: Page[SocialWorkActivity]
    totals: dict[str, Decimal]


def social_work_log(membership: Membership, year: SchoolYear, page: int | str | None = 1) -> SocialWorkLog:
    """The log of ``membership`` (a school social worker's) in school ``year`` (1 August to 31 July), newest
    first (date, then the order of saving); ``page`` counts from 1, out-of-range pages give the last page.
    Totals are hours (Decimal) per role label, 0 for a role without activities."""
    activities = SocialWorkActivity.objects.filter(
        social_worker=membership, date__gte=year.first_day, date__lte=year.last_day
    ).order_by("-date", "-pk")
    summed = dict(activities.order_by().values_list("role").annotate(hours=Sum("hours")))
    totals = {str(label): summed.get(value) or Decimal(0) for value, label in SocialWorkActivity.Role.choices}
    shown = Paginator(activities.select_related("school"), LOG_PAGE_SIZE).get_page(page)
    return SocialWorkLog(year, shown, totals)


def social_work_log_page_of(activity: SocialWorkActivity) -> tuple[SchoolYear, int]:
    """The school year and page of the log on which ``activity`` is listed (the page to go to after saving)."""
    year = SchoolYear.of(activity.date)
    before = SocialWorkActivity.objects.filter(
        social_worker_id=activity.social_worker_id, date__gte=year.first_day, date__lte=year.last_day
    ).filter(Q(date__gt=activity.date) | Q(date=activity.date, pk__gt=activity.pk))
    return year, before.count() // LOG_PAGE_SIZE + 1


def openable_children(user: User, children: list[Child]) -> set[int]:
    """The ids of those ``children`` whose record page (``registry:child-detail``) the user may open now: the same
    decision that page takes (read basic details). Lists link only to these and show the others as ended. One query
    with the policy's list scope in it (`policy.allowed_children`), never a decision per child."""
    if not children:
        return set()
    readable = policy.allowed_children(user, Action.READ, DataCategory.IDENTITY)
    return set(readable.filter(pk__in={child.pk for child in children}).values_list("pk", flat=True))


@dataclass(frozen=True)
class Involvement:
    """One professional around the child. `active`: their access or seat holds now; when it ended, `ended_at`
    (a datetime, or a date for an end by date) says when and `end_reason` why, in the active language (a consent
    withdrawn or ended, a grant revoked or expired, a seat ended)."""

    name: str
    organisation: str
    role: str
    since: datetime | None
    active: bool
    via: str
    ended_at: datetime | date | None = None
    end_reason: str = ""


def _consent_end(consent: Consent | None, today: date) -> tuple[datetime | date | None, str]:
    """When and why a consent a seat or grant rests on is not in force on `today` (None, "" while it is)."""
    if consent is None or consent.is_active(today):
        return None, ""
    if consent.withdrawn_at is not None:
        return consent.withdrawn_at, _("consent withdrawn")
    if consent.valid_from > today:
        return None, _("consent not yet in force")
    return consent.valid_until, _("consent ended")


def involved(child: Child, *, now: datetime | None = None) -> list[Involvement]:
    """Every professional and organisation around the child, with role, since when and whether active now
    (`now`, default the current time). A seat or grant that rests on a consent is active only while that consent
    is in force (consent.models.ACTIVE_RULE): a withdrawal shows at once as an ended access, with its date."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    people: dict[tuple[int, str], Involvement] = {}
    seats = TeamMembership.objects.filter(child=child).select_related(
        "membership__user", "membership__organisation", "consent"
    )
    for tm in seats:
        m = tm.membership
        ended, reason = (tm.ended_at, _("left the support team")) if tm.ended_at else _consent_end(tm.consent, today)
        people[(m.user_id, m.role)] = Involvement(
            m.user.display_name,
            m.organisation.name,
            m.get_role_display(),
            tm.started_at,
            tm.ended_at is None and (tm.consent is None or tm.consent.is_active(today)),
            "support_team",
            ended,
            reason,
        )
    grants = AccessGrant.objects.filter(child=child).select_related("grantee__user", "grantee__organisation", "consent")
    for grant in grants:
        m = grant.grantee
        ended, reason = _consent_end(grant.consent, today)
        if ended is None and reason == "":
            if grant.revoked_at is not None:
                ended, reason = grant.revoked_at, _("access revoked")
            elif grant.valid_until <= now:
                ended, reason = grant.valid_until, _("access period ended")
        active = grant.revoked_at is None and grant.valid_until > now and grant.consent.is_active(today)
        key = (m.user_id, m.role)
        if key not in people or active:
            people[key] = Involvement(
                m.user.display_name,
                m.organisation.name,
                m.get_role_display(),
                grant.valid_from,
                active,
                "bring_in",
                None if active else ended,
                "" if active else reason,
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
    """A circle in the network picture: its centre in SVG user units (machine numbers: a template writes them with
    `{% localize off %}`, never with a decimal comma), the name under it and the organisation under that."""

    x: float
    y: float
    label: str
    sublabel: str
    active: bool

    @property
    def label_y(self) -> float:
        return round(self.y + 38, 1)

    @property
    def sublabel_y(self) -> float:
        return round(self.y + 52, 1)


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
