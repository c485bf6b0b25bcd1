"""The case page's timeline: everything that happened to a child's case, newest first, with what, who and when.

One selector, `timeline(child, decision=..., readable=...)`, reads a fixed list of *sources*, one query each (a
few read two), and leaves out what the viewer may not read:

- every source says which part of the record (rondom.core.categories) its entries belong to; a source whose
  categories the viewer may not read is not even asked, and an entry of such a category is left out, never shown
  without its content;
- a viewer who reads the case on an erbij-halen grant or an open request for help (a provider, rondom.access.rules
  GRANT / REQUEST) sees the consents only when his own organisation receives the data (he is party to them), and
  the seats in the support team and the requests for help only of his own organisation and of the child's school:
  nothing tells him which other organisations are involved (`Draft.parties`).

Adding a source is one function and one `register` call::

    def meeting_events(child: Child) -> Iterable[Draft]:
        for item in AgendaItem.objects.filter(case__child=child).select_related("meeting"):
            yield Draft(at=..., kind="meeting", title=gettext("..."), actor_id=...)

    register("meetings", meeting_events, categories={DataCategory.SUPPORT})

Apps above `cases` in the import graph (thuiszitters) register theirs from their own `AppConfig.ready`
(thuiszitters/timeline.py). Names of people are resolved once for all entries (two queries), so the page costs
one query per source plus three (docs/cases.md, "The timeline").
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import TYPE_CHECKING

from django.db.models import Prefetch
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from rondom.access.models import TeamMembership
from rondom.accounts.models import Membership, User
from rondom.consent.models import Capacity, Consent
from rondom.core.access_types import Decision
from rondom.core.categories import DataCategory
from rondom.core.grounds import Ground
from rondom.registry.models import Child

from .models import (
    ActionItem,
    AgendaDecision,
    AgendaItem,
    Case,
    CaseStatus,
    Concern,
    GoalEvaluation,
    HelpRequest,
    Meeting,
    PlanAgreement,
    PlanVersion,
    Signal,
)
from .workflow import State

if TYPE_CHECKING:
    from rondom.core.access_types import Basis


@dataclass(frozen=True)
class Event:
    """One entry of the timeline as the page shows it.

    `at`: when (aware datetime; for something that has a day only, the start of that day, and `date_only`);
    `kind`: a machine name of the entry ("signal", "consent_withdrawn", ...; never shown); `title`: what happened,
    in the active language; `actor`: who, as "Name (role, organisation)", "de ouders", "de jongere" or "het
    systeem"; `detail`: a short line more (a reason, the parts of a consent), never the content of a plan;
    `url`: a page about it that the viewer can open, or ""; `category`: the part of the record it belongs to."""

    at: datetime
    kind: str
    title: str
    actor: str
    detail: str = ""
    url: str = ""
    category: str = DataCategory.SUPPORT
    date_only: bool = False


@dataclass(frozen=True)
class Draft:
    """What a source gives: an `Event` whose actor is still a user id (`actor_id`; None is the system) or a fixed
    label (`actor`, which wins). `parties`: the organisations that are party to it (a consent's recipient); None
    when anyone who reads the category may see it."""

    at: datetime
    kind: str
    title: str
    actor_id: int | None = None
    actor: str = ""
    detail: str = ""
    url: str = ""
    category: str = DataCategory.SUPPORT
    date_only: bool = False
    parties: frozenset[int] | None = field(default=None)


Source = Callable[[Child], Iterable[Draft]]


@dataclass(frozen=True)
class _Registered:
    name: str
    source: Source
    categories: frozenset[str]


_SOURCES: dict[str, _Registered] = {}


def register(name: str, source: Source, *, categories: Collection[str]) -> None:
    """Add (or, under the same `name`, replace) a source of timeline entries. `categories`: the parts of the record
    its entries belong to; it is asked only when the viewer may read at least one of them."""
    _SOURCES[name] = _Registered(name, source, frozenset(categories))


#: The grounds on which a viewer sees only the consents his own organisation receives.
PARTY_ONLY_GROUNDS = frozenset({Ground.GRANT, Ground.REQUEST})


def readable_categories(bases: Iterable[Basis]) -> frozenset[str]:
    """The parts of the record the grounds `bases` (access.policy.bases_for) let the viewer read."""
    return frozenset(c for b in bases for c, mode in b.permissions.items() if "r" in mode)


def timeline(child: Child, *, decision: Decision, readable: Collection[str]) -> list[Event]:
    """Every entry about `child`'s cases that the viewer may see, newest first (entries at the same moment in the
    order their source gives them).

    `decision`: the page's own decision (read of the support record, rondom.access.declared), whose ground and
    membership say whether the viewer sees only the consents he is party to (PARTY_ONLY_GROUNDS);
    `readable`: the categories the viewer may read (`readable_categories`). Queries: one per source asked (two for
    consents: their givers), plus three to name the people. Pure reading: nothing is logged here (the page logs)."""
    drafts: list[Draft] = []
    for registered in _SOURCES.values():
        if registered.categories & set(readable):
            drafts.extend(d for d in registered.source(child) if d.category in readable)
    organisation = _party_organisation(decision)
    if organisation is not _ALL:
        drafts = [d for d in drafts if d.parties is None or organisation in d.parties]
    names = _actor_names(child, {d.actor_id for d in drafts if d.actor_id is not None and not d.actor})
    events = [
        Event(
            at=d.at,
            kind=d.kind,
            title=d.title,
            actor=d.actor or (names.get(d.actor_id, _("unknown")) if d.actor_id is not None else _("the system")),
            detail=d.detail,
            url=d.url,
            category=d.category,
            date_only=d.date_only,
        )
        for d in drafts
    ]
    # At the same moment the entry given later comes first (a conversation known by its day only, after its signal).
    order = sorted(range(len(events)), key=lambda i: (events[i].at, i), reverse=True)
    return [events[i] for i in order]


_ALL = object()


def _party_organisation(decision: Decision) -> object:
    basis = decision.basis
    if basis is None or basis.ground not in PARTY_ONLY_GROUNDS:
        return _ALL
    return basis.membership.organisation_id if basis.membership is not None else None


def _actor_names(child: Child, user_ids: set[int]) -> dict[int, str]:
    """ "Name (role, organisation)" per professional, "de ouders" for a parent of the child, "de jongere" for the
    child's own account. The role shown is the one at the child's school, else the first active one."""
    if not user_ids:
        return {}
    parents = set(child.guardianships.filter(user_id__in=user_ids).values_list("user_id", flat=True))
    names: dict[int, str] = {pk: _("the parents") for pk in parents}
    if child.youth_account_id in user_ids:
        names[child.youth_account_id] = _("the youth")
    rest = user_ids - set(names)
    if rest:
        memberships = Membership.objects.select_related("organisation").order_by("-valid_from", "pk")
        for user in User.objects.filter(pk__in=rest).prefetch_related(Prefetch("memberships", queryset=memberships)):
            held = list(user.memberships.all())
            chosen = next((m for m in held if m.organisation_id == child.school_id), held[0] if held else None)
            names[user.pk] = (
                f"{user.display_name} ({chosen.get_role_display()}, {chosen.organisation.name})"
                if chosen is not None
                else user.display_name
            )
    return names


def day_start(day: date) -> datetime:
    """The start of `day` in the current time zone: the moment of an entry that has a day only."""
    return timezone.make_aware(datetime.combine(day, time.min))


# --- The sources -------------------------------------------------------------------------------------------------


def signal_events(child: Child) -> Iterable[Draft]:
    """A signal raised, and the conversation with the parents (and the child) about it."""
    for signal in Signal.objects.filter(child=child):
        yield Draft(
            signal.raised_at,
            "signal",
            _("Signal raised"),
            actor_id=signal.raised_by_id,
            detail=f"{signal.get_source_display()}: {_concerns(signal.concerns)}",
        )
        if signal.conversation_on is not None:
            # Recorded after the signal: never before it, also when the conversation took place that same morning.
            yield Draft(
                max(day_start(signal.conversation_on), signal.raised_at),
                "conversation",
                _("Conversation with the parents and the child")
                if signal.conversation_with_child
                else _("Conversation with the parents"),
                actor_id=signal.conversation_by_id,
                actor="" if signal.conversation_by_id else _("unknown"),
                date_only=True,
            )


def _concerns(codes: list[str]) -> str:
    labels = dict(Concern.choices)
    return ", ".join(str(labels.get(code, code)) for code in codes)


def case_events(child: Child) -> Iterable[Draft]:
    """A case registered with the school's support team."""
    for case in Case.objects.filter(child=child).select_related("team__school"):
        yield Draft(
            case.registered_at,
            "case",
            _("Case registered with the support team of %(school)s") % {"school": case.team.school.name},
            actor_id=case.registered_by_id,
        )


_STATE_TITLES: dict[str, Promise] = {
    State.CLOSED: gettext_lazy("Case closed"),
    State.REOPENED: gettext_lazy("Case reopened"),
}


def status_events(child: Child) -> Iterable[Draft]:
    """Every change of a case's state, with its reason; closing and reopening by name. The first row of a case
    (registered) is the registration itself (`case_events`)."""
    for status in CaseStatus.objects.filter(case__child=child).exclude(state=State.REGISTERED):
        title = _STATE_TITLES.get(status.state)
        yield Draft(
            status.changed_at,
            "status",
            str(title) if title else _("Status: %(state)s") % {"state": status.get_state_display()},
            actor_id=status.changed_by_id,
            detail=status.reason + (f" ({_('until')} {date_format(status.until, 'j F Y')})" if status.until else ""),
        )


def _meeting_moment(meeting: Meeting) -> tuple[datetime, bool]:
    """When a meeting takes place: its day and start time, or its day only (meetings planned before times)."""
    if meeting.starts_at is None:
        return day_start(meeting.date), True
    return timezone.make_aware(datetime.combine(meeting.date, meeting.starts_at)), False


def agenda_events(child: Child) -> Iterable[Draft]:
    """A case on the agenda of a support-team meeting (at the meeting's day and time, with its place), linked to
    that case's page of the meeting. The minutes are not shown here: they are for those present."""
    items = AgendaItem.objects.filter(case__child=child).select_related("meeting__team__school")
    for item in items:
        at, date_only = _meeting_moment(item.meeting)
        yield Draft(
            at,
            "agenda",
            _("On the agenda of the support team"),
            actor=_("Support team %(school)s") % {"school": item.meeting.team.school.name},
            detail=item.meeting.place,
            url=reverse("cases:agenda-item", args=[child.pk, item.pk]),
            date_only=date_only,
        )


def decision_events(child: Child) -> Iterable[Draft]:
    """A decision of the support team on the case, with its text (support data, like the case itself)."""
    for row in AgendaDecision.objects.filter(item__case__child=child).select_related("item"):
        yield Draft(
            row.recorded_at,
            "team_decision",
            _("Decision of the support team"),
            actor_id=row.recorded_by_id,
            detail=row.text,
            url=reverse("cases:agenda-item", args=[child.pk, row.item_id]),
        )


def action_events(child: Child) -> Iterable[Draft]:
    """An action agreed for the case (who owns it, by when) and, once done, that it was done and by whom."""
    actions = ActionItem.objects.filter(case__child=child).select_related("owner__user")
    for action in actions:
        owner = action.owner.user.display_name
        detail = _("%(description)s — %(owner)s, due %(due)s") % {
            "description": action.description,
            "owner": owner,
            "due": date_format(action.due, "j F Y"),
        }
        if action.created_at is not None:
            yield Draft(action.created_at, "action", _("Action agreed"), actor_id=action.created_by_id, detail=detail)
        if action.done_at is not None:
            yield Draft(action.done_at, "action_done", _("Action done"), actor_id=action.done_by_id, detail=detail)


def plan_events(child: Child) -> Iterable[Draft]:
    """A version of the plan saved (without its content)."""
    for version in PlanVersion.objects.filter(plan__child=child):
        yield Draft(
            version.saved_at,
            "plan_version",
            _("Plan saved (version %(number)d)") % {"number": version.number},
            actor_id=version.saved_by_id,
            detail=_("with treatment by a youth-care provider") if version.includes_treatment else "",
        )


def agreement_events(child: Child) -> Iterable[Draft]:
    """A parent's agreement (instemming) with a plan version, or the youth's view."""
    for agreement in PlanAgreement.objects.filter(plan__child=child):
        title = (
            _("Agreement with the plan (version %(number)d)")
            if agreement.agrees
            else _("No agreement with the plan (version %(number)d)")
        )
        yield Draft(
            agreement.recorded_at,
            "agreement",
            title % {"number": agreement.version},
            actor=f"{agreement.person_name} ({agreement.get_capacity_display().lower()})",
        )


def evaluation_events(child: Child) -> Iterable[Draft]:
    """A goal of the plan evaluated (score 1 to 5, by whom)."""
    for evaluation in GoalEvaluation.objects.filter(plan__child=child):
        yield Draft(
            day_start(evaluation.evaluated_on),
            "evaluation",
            _("Goal evaluated"),
            actor_id=evaluation.recorded_by_id,
            detail=_("score %(score)d of 5, by: %(rater)s")
            % {"score": evaluation.score, "rater": evaluation.get_rater_display().lower()},
            date_only=True,
        )


def _organisation_parties(child: Child, organisation_id: int) -> frozenset[int] | None:
    """The parties of an entry about `organisation_id`'s work on the case: everyone (None) when that is the child's
    school; else that organisation only, so a viewer on a grant or a request (PARTY_ONLY_GROUNDS) of another
    organisation does not learn that it is involved."""
    return None if organisation_id == child.school_id else frozenset({organisation_id})


def help_request_events(child: Child) -> Iterable[Draft]:
    """Bringing in help (erbij halen) or a referral, and its answers: first contact, joined, declined or closed.
    A viewer on a grant or a request sees only the requests to his own organisation (and to the child's school)."""
    requests = HelpRequest.objects.filter(case__child=child).select_related("provider", "contact")
    for request in requests:
        who = request.contact.user_id if request.contact_id and request.contact else None
        about = f"{request.get_kind_display()}: {request.provider.name}"
        parties = _organisation_parties(child, request.provider_id)
        yield Draft(
            request.requested_at,
            "help_request",
            _("Help requested"),
            request.requested_by_id,
            detail=about,
            parties=parties,
        )
        if request.first_contact_at:
            yield Draft(
                request.first_contact_at,
                "help_contact",
                _("First contact about the request"),
                who,
                detail=about,
                parties=parties,
            )
        if request.joined_at:
            yield Draft(
                request.joined_at, "help_joined", _("Joined (erbij gehaald)"), who, detail=about, parties=parties
            )
        if request.closed_at:
            yield Draft(
                request.closed_at,
                "help_closed",
                _("Request for help closed"),
                who,
                detail=f"{about} — {request.closed_reason}" if request.closed_reason else about,
                parties=parties,
            )


def seat_events(child: Child) -> Iterable[Draft]:
    """A professional seated in the child's support team, and leaving it: who works on the case. A viewer on a
    grant or a request sees only the seats of his own organisation and of the child's school."""
    seats = TeamMembership.objects.filter(child=child).select_related("membership__user", "membership__organisation")
    for seat in seats:
        m = seat.membership
        member = f"{m.user.display_name} ({m.get_role_display()}, {m.organisation.name})"
        parties = _organisation_parties(child, m.organisation_id)
        yield Draft(
            seat.started_at, "seat", _("Joined the support team"), seat.added_by_id, detail=member, parties=parties
        )
        if seat.ended_at:
            yield Draft(seat.ended_at, "seat_ended", _("Left the support team"), None, detail=member, parties=parties)


def consent_events(child: Child) -> Iterable[Draft]:
    """A consent given and withdrawn: for what, which parts of the record, to whom. Only its parties (the recipient
    organisation) see it when they read the case on a grant or a request (PARTY_ONLY_GROUNDS)."""
    consents = Consent.objects.filter(child=child).select_related("recipient").prefetch_related("givers")
    for consent in consents:
        parts = ", ".join(consent.category_labels())
        detail = f"{consent.get_purpose_display()} — {parts}"
        if consent.recipient is not None:
            detail += f" — {consent.recipient.name}"
        parties = frozenset({consent.recipient_id}) if consent.recipient_id else frozenset()
        url = reverse("consent:child-consents", args=[child.pk])
        capacities = {g.capacity for g in consent.givers.all()}
        yield Draft(
            consent.recorded_at,
            "consent_given",
            _("Consent given"),
            actor=_family(capacities),
            detail=detail,
            url=url,
            parties=parties,
        )
        if consent.withdrawn_at is not None:
            on_behalf = {consent.withdrawn_on_behalf} if consent.withdrawn_on_behalf else capacities
            yield Draft(
                consent.withdrawn_at,
                "consent_withdrawn",
                _("Consent withdrawn: access that relied on it has ended"),
                actor=_family(on_behalf),
                detail=detail,
                url=url,
                parties=parties,
            )


def _family(capacities: Collection[str]) -> str:
    if Capacity.PARENT in capacities and Capacity.YOUTH in capacities:
        return _("the parents and the youth")
    return _("the youth") if Capacity.YOUTH in capacities else _("the parents")


SUPPORT = {DataCategory.SUPPORT}
register("signals", signal_events, categories=SUPPORT)
register("cases", case_events, categories=SUPPORT)
register("statuses", status_events, categories=SUPPORT)
register("agenda", agenda_events, categories=SUPPORT)
register("team_decisions", decision_events, categories=SUPPORT)
register("actions", action_events, categories=SUPPORT)
register("plan_versions", plan_events, categories=SUPPORT)
register("agreements", agreement_events, categories=SUPPORT)
register("evaluations", evaluation_events, categories=SUPPORT)
register("help_requests", help_request_events, categories=SUPPORT)
register("seats", seat_events, categories=SUPPORT)
register("consents", consent_events, categories=SUPPORT)
