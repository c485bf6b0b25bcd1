"""Support-team meetings as people run them (issue 14, point 6): plan a meeting with time, place, chair and
invitees; put a case on its agenda from the case page; record per case the minutes (for those present), the
decisions and the actions with an owner and a due date; the owner's own list of actions ("Mijn acties").

Changes only: each is checked (task right `manage_team` for the meeting itself, the access policy for what touches
a child) and every change of a child's record is logged in its own transaction. Reads for the pages are in
`selectors`-style functions at the end; the pages log what they show (rondom.access.declared).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, time
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.http import Http404
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from rondom.access import log, policy, tasks
from rondom.accounts.models import Membership, User
from rondom.core.categories import Action, DataCategory
from rondom.idempotency import recent_duplicate
from rondom.limits import planned_date_error, text_error
from rondom.notifications.services import active_memberships, notify

from .models import ActionItem, AgendaDecision, AgendaItem, Case, Meeting, SupportTeam

SUPPORT = DataCategory.SUPPORT
PLACE_MAX = 300


# --- The meeting itself ----------------------------------------------------------------------------------------


def teams_run_by(user: User) -> list[SupportTeam]:
    """The support teams `user` runs: one per school where the user holds `manage_team` (access.tasks). Creates a
    school's team on first use. Raises nothing."""
    schools = [m.organisation for m in tasks.memberships(user, "manage_team")]
    return [SupportTeam.objects.get_or_create(school=school)[0] for school in schools]


def may_run(user: User, team: SupportTeam) -> bool:
    """Whether `user` runs this team's meetings (`manage_team` at the team's school)."""
    return tasks.may(user, "manage_team", team.school)


def _meeting_errors(
    team: SupportTeam,
    *,
    on: date | None,
    starts_at: time | None,
    ends_at: time | None,
    place: str,
    chair: Membership | None,
    today: date,
) -> dict[str, str]:
    errors: dict[str, str] = {}
    if on is None:
        errors["date"] = _("Choose the date of the meeting.")
    elif on < today:
        errors["date"] = _("Choose a date from today on.")
    elif problem := planned_date_error(on, today, label=_("Date of the meeting")):
        errors["date"] = problem
    if starts_at is None:
        errors["starts_at"] = _("Choose the start time.")
    elif ends_at is not None and ends_at <= starts_at:
        errors["ends_at"] = _("The end time lies after the start time.")
    problem = text_error(place, required=False)
    if problem:
        errors["place"] = problem
    elif len(place) > PLACE_MAX:
        errors["place"] = _("At most %(n)d characters.") % {"n": PLACE_MAX}
    if chair is not None and not team.members.filter(pk=chair.pk).exists():
        errors["chair"] = _("The chair is a member of the support team.")
    return errors


def plan_meeting(
    actor: User,
    team: SupportTeam,
    *,
    on: date | None,
    starts_at: time | None,
    ends_at: time | None = None,
    place: str = "",
    chair: Membership | None = None,
    invited: list[Membership] | None = None,
    today: date | None = None,
    meeting: Meeting | None = None,
) -> Meeting:
    """Plan a meeting of `team` (or change `meeting`): a date from `today` on and at most
    rondom.limits.PLANNED_DATE_MAX_DAYS_AHEAD days after it (`today`: the view's `timezone.localdate()`; the local
    date when not given, for scripts and tests only), a start
    time, an optional end time after it, a place or the text of an online link, a chair from the team's members and
    the members invited to the whole meeting. No child's data is touched, so nothing goes to the access log.

    Raises PermissionDenied (Dutch reason) without the task right `manage_team` at the team's school;
    ValidationError with the keys date, starts_at, ends_at, place, chair, invited (someone outside the team)."""
    today = today or timezone.localdate()
    refused = tasks.refusal(actor, "manage_team", team.school)
    if refused is not None:
        raise PermissionDenied(refused)
    place = (place or "").strip()
    invited = list(invited or [])
    errors = _meeting_errors(team, on=on, starts_at=starts_at, ends_at=ends_at, place=place, chair=chair, today=today)
    members = set(team.members.values_list("pk", flat=True))
    if any(m.pk not in members for m in invited):
        errors["invited"] = _("Invite members of the support team only.")
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        if meeting is None:
            meeting = Meeting(team=team, planned_by=actor)
        elif meeting.team_id != team.pk:
            raise ValidationError({"date": _("This meeting belongs to another support team.")})
        meeting.date, meeting.starts_at, meeting.ends_at = on, starts_at, ends_at  # type: ignore[assignment]
        meeting.place, meeting.chair = place, chair
        meeting.save()
        meeting.invited.set(invited)
        notify_invited(meeting, invited, actor=actor)
    return meeting


# --- Per case: decisions, actions, minutes -----------------------------------------------------------------------


def record_decision(actor: User, item: AgendaItem, text: str) -> AgendaDecision:
    """Add one decision of the team on the case of `item`, in its own words. Rows are only added. A double submit
    (the same actor, item and text within the window of rondom.idempotency) returns the decision already recorded
    and logs nothing again.

    Raises ValidationError with the key text (empty, too long, control characters; rondom.limits.text_error);
    Http404 outside the actor's scope, PermissionDenied when the policy does not allow updating the support data."""
    problem = text_error(text, required=True)
    if problem:
        raise ValidationError({"text": problem})
    with transaction.atomic():
        child = item.case.child
        decision = policy.require(actor, child, Action.UPDATE, SUPPORT)
        same = recent_duplicate(
            AgendaDecision.objects.filter(item=item, recorded_by=actor, text=text.strip()), "recorded_at", lock=child
        )
        if same is not None:
            return same
        row = AgendaDecision.objects.create(item=item, text=text.strip(), recorded_by=actor)
        log.log_change(actor, decision, child.pk, action=Action.CREATE, object_type="agenda_decision", object_id=row.pk)
    return row


def notify_invited(
    meeting: Meeting, invited: Iterable[Membership], *, actor: User, item: AgendaItem | None = None
) -> None:
    """Tell the people invited to a meeting (or to one case on it) where and when: the title gives the date, the
    time and the school's team, never a child (the meeting page behind the link checks access and logs what it
    names). Once per person and meeting, or per person and agenda item (a later change of time does not tell them
    again); the `actor` who invited is not told. Raises nothing."""
    when = formats.date_format(meeting.date, "j F Y")
    if meeting.starts_at:
        when = f"{when} {formats.time_format(meeting.starts_at, 'H:i')}"
    title = _("You are invited to the support team meeting of %(school)s on %(when)s") % {
        "school": meeting.team.school.name,
        "when": when,
    }
    key = f"agenda:{item.pk}" if item is not None else f"meeting:{meeting.pk}"
    notify(
        [m.user for m in invited if m.user_id != actor.pk],
        title=title,
        url=reverse("cases:meeting", args=[meeting.pk]),
        key=key,
    )


def notify_owner(action: ActionItem) -> None:
    """Tell the owner an action was assigned to them: the title names no child (the page behind the link checks
    access and logs). Sending twice does nothing (one notification per action)."""
    notify(
        [action.owner.user],
        title=_("An action of the support team was assigned to you"),
        url=reverse("cases:my-actions"),
        key=f"action:{action.pk}",
    )


def complete_action(actor: User, action: ActionItem) -> ActionItem:
    """The owner marks an action done. Idempotent: an action already done stays as it is (same time, same person)
    and nothing is logged twice. The owner may only read the child's support data: the change is logged on the
    named exception `complete_own_action` (access.rules.CHANGE_RULES).

    Raises Http404 when the action is not the actor's or the child is outside the actor's scope; PermissionDenied
    when the owner may no longer read the child's support data; ValidationError with the key status when the
    action was cancelled."""
    with transaction.atomic():
        action = (
            ActionItem.objects.select_for_update(of=("self",)).select_related("case__child", "owner").get(pk=action.pk)
        )
        if action.owner.user_id != actor.pk:
            raise Http404
        if action.status == ActionItem.Status.DONE:
            return action
        if action.status == ActionItem.Status.CANCELLED:
            raise ValidationError({"status": _("This action was cancelled.")})
        decision = policy.require(actor, action.case.child, Action.READ, SUPPORT)
        action.status, action.done_at, action.done_by = ActionItem.Status.DONE, timezone.now(), actor
        action.save(update_fields=["status", "done_at", "done_by"])
        log.log_change(
            actor,
            decision,
            action.case.child_id,
            action=Action.UPDATE,
            object_type="action",
            object_id=action.pk,
            rule="complete_own_action",
        )
    return action


def may_read_minutes(user: User, item: AgendaItem) -> bool:
    """The minutes of a case are for those who were present, and for the intern begeleider and zorgcoördinator of
    the case's school (they run its support team: `manage_team` at the team's school). Raises nothing; the caller
    has checked the scope."""
    return item.present.filter(pk=user.pk).exists() or tasks.may(user, "manage_team", item.case.team.school)


# --- Reads for the pages -----------------------------------------------------------------------------------------


def upcoming_for_case(case: Case, today: date | None = None) -> QuerySet[Meeting]:
    """The meetings of the case's team from `today` on (default: the local date), soonest first."""
    today = today or timezone.localdate()
    return Meeting.objects.filter(team_id=case.team_id, date__gte=today).select_related("chair__user")


def agenda_of_child(child: Any) -> QuerySet[AgendaItem]:
    """Every agenda item of the child's cases, the latest meeting first."""
    return (
        AgendaItem.objects.filter(case__child=child)
        .select_related("meeting__chair__user", "meeting__team__school")
        .prefetch_related("invited__user")
        .order_by("-meeting__date", "-meeting__starts_at", "-pk")
    )


def may_open_meeting(user: User, meeting: Meeting, today: date | None = None) -> bool:
    """Who may open the meeting page and its printable agenda: those who run the team, and everyone invited to the
    whole meeting or to one of its cases (they see when, where and who chairs; per case the child and who is
    invited only where they may read the child, docs/cases.md). Only roles active on `today` count (default: the
    local date): someone whose invited role ended opens nothing. Raises nothing."""
    if may_run(user, meeting.team):
        return True
    memberships = active_memberships(today).filter(user=user)
    return (
        meeting.invited.filter(pk__in=memberships).exists()
        or AgendaItem.objects.filter(meeting=meeting, invited__in=memberships).exists()
    )


@dataclass(frozen=True)
class OwnAction:
    """One of the owner's open actions, as the list shows it: `overdue` when its due date lies before today."""

    action: ActionItem
    overdue: bool


def open_actions(user: User) -> QuerySet[ActionItem]:
    """The user's open actions, the earliest due date first (then the oldest), across all the user's roles."""
    return (
        ActionItem.objects.filter(owner__user=user, status=ActionItem.Status.OPEN)
        .select_related("case__child", "case__team__school", "agenda_item__meeting")
        .order_by("due", "pk")
    )


def own_actions(actions: list[ActionItem], today: date) -> list[OwnAction]:
    """Mark which of `actions` are overdue on `today` (due before today; due today is not overdue yet)."""
    return [OwnAction(a, a.due < today) for a in actions]


def people_for_case(case: Case) -> QuerySet[Membership]:
    """Who may be invited to discuss the case, or own one of its actions: the members of the case's support team
    and the professionals involved with the child now (the child's team seats, help brought in that still runs).
    Whether each may read the child is the service's check (access.services.add_team_member, add_action)."""
    now = timezone.now()
    return (
        Membership.objects.filter(
            Q(support_teams=case.team_id)
            | Q(team_memberships__child_id=case.child_id, team_memberships__ended_at__isnull=True)
            | Q(
                access_grants__child_id=case.child_id,
                access_grants__revoked_at__isnull=True,
                access_grants__valid_until__gt=now,
            )
        )
        .distinct()
        .order_by("user__last_name", "user__first_name", "pk")
    )


def open_action_count(user: User) -> int:
    """How many open actions the user owns (the menu's badge; no child named)."""
    return ActionItem.objects.filter(owner__user=user, status=ActionItem.Status.OPEN).count()
