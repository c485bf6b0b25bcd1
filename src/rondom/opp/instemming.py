"""The parents' instemming with the handelingsdeel of the OPP and with the minutes of a support-team meeting: given or
refused from home in the portal (DigiD or the e-mail code), or on paper with the scan (issue 16, part 2).

**What is agreed.** Exactly what was shown: the handelingsdeel (with the goals it serves) of the plan's current
content, or the text of an agenda item's minutes, identified by its content hash (`rondom.opp.hashing`). The portal
page sends the hash it showed (`shown_hash`); a hash that is not the current one is refused ("an old version": the
school changed it while the page was open). A new plan version whose handelingsdeel has another hash asks again; a
new version that changes only the rest of the OPP (the onderbouwing, the destination) has the same hash and keeps
the instemming. Rows are only ever added: a person's latest answer on the current hash counts.

**Who decides** (`deciders`), one clear rule:

- the parents with parental authority (gezag) while the pupil is under 18: WPO art. 40a lid 3, WVO 2020 art. 8.10
  lid 3 and WEC art. 41a give the instemmingsrecht to "de ouders"; from 18 the rights of the parents pass to the
  pupil of age himself (meerderjarig, BW 1:233; WVO 2020 reads "ouders" as the pupil once he is of age). With
  joint authority every parent with authority is asked, as with consent (rondom.consent.rules);
- the youth from 12 (access.rules.YOUTH_OWN_ACCESS_AGE, the age at which the youth has his own portal door): his
  instemming is asked beside the parents' (12 to 17), and alone from 18 (`PUPIL_OF_AGE`). This asks more than the
  law, never less: the parents' instemming the law requires is always among those asked for a minor.
- From 16 (access.rules.YOUTH_DECIDES_ALONE_AGE) the youth decides who sees the file: the parents reach the OPP in
  the portal only when the youth let them (portal.services.family_children); otherwise they sign on paper at
  school (`record_paper_instemming`).

The status of a version (`instemming_status`) is "agreed" when everyone asked agreed, "refused" when anyone refused
(a conversation is needed: "Gesprek nodig"), and "open" otherwise.

**A refusal is the start of a conversation.** A refusal needs the person's own words; the intern begeleider and the
zorgcoördinator of the child's school are notified (rondom.notifications) and the staff page shows "Gesprek nodig"
with the words. Minutes work the same way, for an agenda item the parents (or the youth) were invited to or
attended.

Every answer is logged like the family's other changes in the portal (access.rules.CHANGE_RULES["family_portal"]),
a paper signature as the staff member's change; errors are ValidationErrors naming the field, and nothing is
written then."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from rondom.access import log, policy, tasks
from rondom.access.rules import YOUTH_OWN_ACCESS_AGE
from rondom.accounts.models import User
from rondom.cases.models import AgendaItem, Plan
from rondom.consent.models import Capacity
from rondom.core.categories import Action, DataCategory
from rondom.idempotency import recent_duplicate
from rondom.limits import has_control_characters
from rondom.notifications.services import memberships_for, notify
from rondom.portal import uploads
from rondom.portal.services import FamilyChild, person_name
from rondom.registry.models import Child, Guardianship

from .hashing import handelingsdeel_hash, minutes_hash
from .models import Instemming

#: From this age the pupil decides alone and the parents are no longer asked (meerderjarig, BW 1:233; WVO 2020).
PUPIL_OF_AGE = 18
#: The longest own words kept with an answer.
OWN_WORDS_MAX = 4000
#: The auth backend that marks a portal session signed in through the DigiD broker (portal.oidc; settings).
DIGID_BACKEND = "rondom.portal.oidc.FamilyOIDCBackend"
#: Scans of a paper signature: a PDF or a photo, checked by content like the family's uploads (portal.uploads).
SCAN_SUFFIXES = (".pdf", ".jpg", ".jpeg", ".png")
#: Who at the child's school is told of a refusal and invites the parents for a conversation: the holders of task
#: right `invite_opp_conversation` (access.tasks; the intern begeleider and zorgcoördinator).
CONVERSATION_TASK = "invite_opp_conversation"

AGREED, REFUSED, OPEN = "agreed", "refused", "open"


# --- Who decides ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Decider:
    """One person whose instemming is asked: a parent with authority (`guardianship`) or the youth (None)."""

    capacity: str
    guardianship: Guardianship | None
    name: str

    @property
    def key(self) -> str:
        return f"parent:{self.guardianship.pk}" if self.guardianship is not None else "youth"


def deciders(child: Child, today: date) -> list[Decider]:
    """The people whose instemming is asked for `child` on `today` (the rule in the module's docstring): the parents
    with authority under 18, the youth from 12. Sorted: parents first, by name."""
    age = child.age_on(today)
    found: list[Decider] = []
    if age < PUPIL_OF_AGE:
        for g in child.guardianships.filter(has_authority=True).select_related("user").order_by("user__last_name"):
            found.append(Decider(Capacity.PARENT, g, person_name(g.user)))
    if age >= YOUTH_OWN_ACCESS_AGE:
        found.append(Decider(Capacity.YOUTH, None, child.given_name))
    return found


def _key(instemming: Instemming) -> str:
    return f"parent:{instemming.guardianship_id}" if instemming.capacity == Capacity.PARENT else "youth"


def method_of_session(session: Any) -> str:
    """How the portal user signed in, from the session: DigiD when django.contrib.auth logged the session in with the
    DigiD backend (portal.oidc.FamilyOIDCBackend, via mozilla-django-oidc's login_success), the e-mail code
    otherwise (the password + code login of portal.views uses ModelBackend)."""
    return (
        Instemming.Method.DIGID if session.get(BACKEND_SESSION_KEY) == DIGID_BACKEND else Instemming.Method.EMAIL_CODE
    )


# --- What is shown --------------------------------------------------------------------------------------------


def current_opp(child: Child) -> Plan | None:
    """The child's plan when it is an OPP (opp_basis set, content["opp"] filled, at least one saved version)."""
    plan = Plan.objects.filter(child=child).first()
    if plan is None or not plan.opp_basis or not plan.content.get("opp") or plan.version == 0:
        return None
    return plan


def current_hash(plan: Plan) -> str:
    """The hash of the handelingsdeel of the plan's current content (= its latest PlanVersion's content)."""
    return handelingsdeel_hash(plan.content)


def minutes_items(found: FamilyChild) -> list[AgendaItem]:
    """The agenda items of this child whose minutes the person may read and answer: written minutes, and the parents
    (or, for the youth, the youth) were invited or the person attended."""
    items = AgendaItem.objects.filter(case__child=found.child).exclude(minutes="").select_related("meeting")
    return [item for item in items.order_by("-meeting__date", "-pk") if _may_answer_minutes(found, item)]


def _may_answer_minutes(found: FamilyChild, item: AgendaItem, user: User | None = None) -> bool:
    invited = item.youth_invited if found.capacity == Capacity.YOUTH else item.parents_invited
    return invited or (user is not None and item.present.filter(pk=user.pk).exists())


# --- The status for the staff page ----------------------------------------------------------------------------


@dataclass(frozen=True)
class PersonAnswer:
    decider: Decider
    answer: Instemming | None


@dataclass
class Status:
    """Where the instemming with one version stands: `state` AGREED / REFUSED / OPEN, each person asked with his
    latest answer on `content_hash` (None: not answered yet), and the refusals that need a conversation."""

    content_hash: str
    version: int | None
    state: str
    people: list[PersonAnswer] = field(default_factory=list)
    history: list[Instemming] = field(default_factory=list)

    @property
    def agreed(self) -> list[PersonAnswer]:
        return [p for p in self.people if p.answer is not None and p.answer.agrees]

    @property
    def refused(self) -> list[PersonAnswer]:
        return [p for p in self.people if p.answer is not None and not p.answer.agrees]

    @property
    def waiting(self) -> list[PersonAnswer]:
        return [p for p in self.people if p.answer is None]

    @property
    def conversation_needed(self) -> bool:
        return self.state == REFUSED


def _status(rows: list[Instemming], asked: list[Decider], content_hash: str, version: int | None) -> Status:
    latest: dict[str, Instemming] = {}
    for row in rows:  # newest first
        latest.setdefault(_key(row), row)
    people = [PersonAnswer(d, latest.get(d.key)) for d in asked]
    if any(p.answer is not None and not p.answer.agrees for p in people):
        state = REFUSED
    elif people and all(p.answer is not None and p.answer.agrees for p in people):
        state = AGREED
    else:
        state = OPEN
    return Status(content_hash, version, state, people, rows)


def instemming_status(plan: Plan, today: date) -> Status | None:
    """The instemming with the plan's current handelingsdeel (its hash), among the people asked (`deciders`) on
    `today`; None when the plan is not an OPP. An answer given on an earlier version with the same hash counts."""
    if current_opp(plan.child) is None:
        return None
    content_hash = current_hash(plan)
    rows = list(
        Instemming.objects.filter(
            plan=plan, subject=Instemming.Subject.HANDELINGSDEEL, content_hash=content_hash
        ).select_related("guardianship__user", "recorded_by")
    )
    return _status(rows, deciders(plan.child, today), content_hash, plan.version)


def minutes_status(item: AgendaItem, today: date) -> Status:
    """The instemming with the current text of an agenda item's minutes, among the people asked."""
    content_hash = minutes_hash(item.minutes)
    rows = list(
        Instemming.objects.filter(
            agenda_item=item, subject=Instemming.Subject.MINUTES, content_hash=content_hash
        ).select_related("guardianship__user")
    )
    return _status(rows, deciders(item.case.child, today), content_hash, None)


# --- Answering in the portal ----------------------------------------------------------------------------------


def _check_words(agrees: bool, own_words: str) -> str:
    words = (own_words or "").strip()
    if not agrees and not words:
        raise ValidationError(
            {
                "own_words": _(
                    "Tell the school in your own words what you do not agree with. The school will then invite "
                    "you for a conversation."
                )
            }
        )
    if len(words) > OWN_WORDS_MAX:
        raise ValidationError(
            {"own_words": _("Please keep it shorter (at most %(max)d characters).") % {"max": OWN_WORDS_MAX}}
        )
    if has_control_characters(words, allow_line_breaks=True):
        raise ValidationError({"own_words": _("The text holds control characters that cannot be saved.")})
    return words


def _portal_person(user: User, found: FamilyChild, today: date) -> tuple[str, Guardianship | None]:
    """The capacity and guardianship of the portal user answering for `found`, or ValidationError when this person
    is not asked: a parent without authority (registry.Guardianship.has_authority), or a parent of a pupil of 18."""
    if found.capacity == Capacity.YOUTH:
        if found.child.youth_account_id != user.pk:
            raise ValidationError({"guardianship": _("Only the youth himself can answer here.")})
        return Capacity.YOUTH, None
    guardianship = found.child.guardianships.filter(user=user).first()
    if guardianship is None or not guardianship.has_authority:
        raise ValidationError(
            {
                "guardianship": _(
                    "Only a parent with parental authority (gezag) can agree or disagree with the plan "
                    "(WPO art. 40a, WVO 2020 art. 8.10). Do you have authority after all? Please tell the school."
                )
            }
        )
    if found.child.age_on(today) >= PUPIL_OF_AGE:
        raise ValidationError(
            {"guardianship": _("Your child is 18 or older and decides about the plan himself (WVO 2020).")}
        )
    return Capacity.PARENT, guardianship


def _check_method(method: str) -> None:
    if method not in (Instemming.Method.DIGID, Instemming.Method.EMAIL_CODE):
        raise ValidationError({"method": _("Answer in the portal after signing in with DigiD or the e-mail code.")})


def give_instemming(
    user: User,
    found: FamilyChild,
    *,
    agrees: bool,
    own_words: str,
    shown_hash: str,
    method: str,
    now: datetime,
) -> Instemming:
    """A parent with authority (or the youth, by `deciders`) agrees or disagrees with the handelingsdeel shown.

    `found`: the child as the portal opened it (portal.services.opened); `shown_hash`: the hash the page showed
    (hidden field); `method`: `method_of_session(request.session)`; `now`: aware datetime of the answer.
    Raises ValidationError, nothing written, on "plan" (no OPP), "shown_hash" (an old version: the handelingsdeel
    changed since the page was shown), "guardianship" (a parent without authority, a parent of a pupil of 18),
    "own_words" (a refusal without own words, too long), "method". A double submit within the window answers with
    the row written first. A refusal notifies the school's intern begeleider and zorgcoördinator (`_ask_conversation`).
    """
    today = timezone.localdate(now)
    plan = current_opp(found.child)
    if plan is None:
        raise ValidationError({"plan": _("There is no development perspective (OPP) to agree with yet.")})
    capacity, guardianship = _portal_person(user, found, today)
    words = _check_words(agrees, own_words)
    _check_method(method)
    with transaction.atomic():
        plan = Plan.objects.select_for_update().get(pk=plan.pk)
        content_hash = current_hash(plan)
        _check_shown(
            shown_hash,
            content_hash,
            _(
                "You answered on an old version: the school changed the plan since you opened the page. "
                "Read the new version and answer again."
            ),
        )
        return _record_answer(
            user,
            found,
            {"subject": Instemming.Subject.HANDELINGSDEEL, "plan": plan, "plan_version": plan.version},
            content_hash=content_hash,
            person=(capacity, guardianship),
            agrees=agrees,
            words=words,
            method=method,
            now=now,
        )


def give_minutes_instemming(
    user: User,
    found: FamilyChild,
    item_id: int,
    *,
    agrees: bool,
    own_words: str,
    shown_hash: str,
    method: str,
    now: datetime,
) -> Instemming:
    """The same as `give_instemming`, for the minutes of agenda item `item_id` of this child's case, which the parents
    (the youth: the youth) were invited to or the user attended. Raises Http404 for an item of another child or one
    the person was not invited to; ValidationError on "minutes" (none written yet), "shown_hash" (the minutes changed
    since shown), "guardianship", "own_words", "method"."""
    from django.http import Http404

    today = timezone.localdate(now)
    item = AgendaItem.objects.filter(pk=item_id, case__child=found.child).select_related("case__child").first()
    if item is None or not _may_answer_minutes(found, item, user):
        raise Http404
    if not item.minutes.strip():
        raise ValidationError({"minutes": _("There are no minutes of this meeting yet.")})
    capacity, guardianship = _portal_person(user, found, today)
    words = _check_words(agrees, own_words)
    _check_method(method)
    with transaction.atomic():
        item = AgendaItem.objects.select_for_update().get(pk=item.pk)
        content_hash = minutes_hash(item.minutes)
        _check_shown(
            shown_hash,
            content_hash,
            _(
                "You answered on an old version: the minutes were changed since you opened the page. "
                "Read them again and answer again."
            ),
        )
        return _record_answer(
            user,
            found,
            {"subject": Instemming.Subject.MINUTES, "agenda_item": item},
            content_hash=content_hash,
            person=(capacity, guardianship),
            agrees=agrees,
            words=words,
            method=method,
            now=now,
        )


def _check_shown(shown_hash: str, content_hash: str, message: str) -> None:
    """Refuse an answer given on a page that showed another version (ValidationError on "shown_hash")."""
    if shown_hash != content_hash:
        raise ValidationError({"shown_hash": message})


def _record_answer(
    user: User,
    found: FamilyChild,
    what: dict[str, Any],
    *,
    content_hash: str,
    person: tuple[str, Any],
    agrees: bool,
    words: str,
    method: str,
    now: datetime,
) -> Instemming:
    """Write one portal answer on `what` (the subject and the plan version or agenda item it answers), inside the
    caller's transaction with the object locked: a double submit within the window gives the row written first;
    otherwise the row, its log row, and for a refusal the request for a conversation (`_ask_conversation`)."""
    target = {k: v for k, v in what.items() if k in ("plan", "agenda_item")}
    same = recent_duplicate(
        Instemming.objects.filter(
            **target, content_hash=content_hash, recorded_by=user, agrees=agrees, own_words=words
        ),
        "recorded_at",
        lock=found.child,
        now=now,
    )
    if same is not None:
        return same
    capacity, guardianship = person
    instemming = Instemming.objects.create(
        child=found.child,
        **what,
        content_hash=content_hash,
        capacity=capacity,
        guardianship=guardianship,
        person_name=person_name(user),
        agrees=agrees,
        own_words=words,
        method=method,
        recorded_by=user,
    )
    _log_portal(user, found, instemming)
    if not agrees:
        _ask_conversation(instemming)
    return instemming


def _log_portal(user: User, found: FamilyChild, instemming: Instemming) -> None:
    log.log_change(  # logs: create
        user,
        found.decision,
        found.child,
        action=Action.CREATE,
        category=DataCategory.SUPPORT,
        rule="family_portal",
        object_type="instemming",
        object_id=instemming.pk,
    )


def _ask_conversation(instemming: Instemming) -> None:
    """Tell the intern begeleider and the zorgcoördinator of the child's school that someone did not agree: the
    title names no child (the e-mail carries no personal data; the page behind the link checks access and logs)."""
    child = instemming.child
    people = [m.user for role in sorted(tasks.roles_of(CONVERSATION_TASK)) for m in memberships_for(role, child)]
    if instemming.subject == Instemming.Subject.MINUTES:
        title = _("A parent or youth does not agree with the minutes of a meeting: a conversation is needed")
    else:
        title = _("A parent or youth does not agree with a development perspective (OPP): a conversation is needed")
    notify(people, title=title, url=reverse("cases:plan", args=[child.pk]), key=f"instemming-refused:{instemming.pk}")


# --- On paper -------------------------------------------------------------------------------------------------


def record_paper_instemming(
    actor: User,
    plan: Plan,
    guardianship: Guardianship | None,
    *,
    agrees: bool,
    signed_on: date,
    scan: Any,
    own_words: str = "",
    today: date,
) -> Instemming:
    """A staff member who may change the child's support record records a signature on paper with its scan:
    the signer is `guardianship` (a parent with authority of this child) or, with None, the youth himself; the
    signature is taken for the current handelingsdeel (its hash now: the paper was printed from it).

    `scan`: an uploaded file, a PDF or photo (SCAN_SUFFIXES) of at most settings.FAMILY_UPLOAD_MAX_MB, checked by
    its content (portal.uploads.check: puremagic, Pillow, pypdf); stored privately (Instemming.scan), served only by
    views_paper's guarded download. Raises PermissionDenied/Http404 through the access policy, ValidationError on
    "plan" (no OPP), "guardianship" (not a parent with authority of this child, not asked), "signed_on" (after
    `today`), "scan" (missing, too large, not a PDF or photo), "own_words"; nothing is written then. A refusal asks
    for a conversation like one in the portal. The same signature recorded again within the double-submit window
    answers with the row written first (rondom.idempotency)."""
    child = plan.child
    decision = policy.require(actor, child, Action.UPDATE, DataCategory.SUPPORT)
    if current_opp(child) is None:
        raise ValidationError({"plan": _("There is no development perspective (OPP) to agree with yet.")})
    errors: dict[str, str] = {}
    asked = {d.key: d for d in deciders(child, today)}
    if guardianship is not None:
        if guardianship.child_id != child.pk or not guardianship.has_authority:
            errors["guardianship"] = _("Choose a parent with parental authority (gezag) of this child.")
        elif f"parent:{guardianship.pk}" not in asked:
            errors["guardianship"] = _("This pupil is 18 or older and decides about the plan himself (WVO 2020).")
    elif "youth" not in asked:
        errors["guardianship"] = _("This child is younger than 12: the parents with authority sign.")
    if signed_on > today:
        errors["signed_on"] = _("The day of signing cannot be in the future.")
    elif _hash_on(plan, signed_on) != current_hash(plan):
        errors["signed_on"] = _(
            "The help in the plan changed after this day: the paper was signed on an earlier version. Print the "
            "current plan and let it be signed again."
        )
    try:
        words = _check_words(True, own_words)
    except ValidationError as exc:
        errors["own_words"] = exc.messages[0]
    name, content_type = "", ""
    if scan is None:
        errors["scan"] = _("Add the scan of the signed paper (PDF or photo).")
    else:
        try:
            name, content_type = _check_scan(scan)
        except ValidationError as exc:
            errors["scan"] = exc.messages[0]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        plan = Plan.objects.select_for_update().get(pk=plan.pk)
        same = recent_duplicate(  # a double submit of the same signature answers with the row written first
            Instemming.objects.filter(
                plan=plan,
                method=Instemming.Method.PAPER,
                guardianship=guardianship,
                capacity=Capacity.PARENT if guardianship is not None else Capacity.YOUTH,
                agrees=agrees,
                signed_on=signed_on,
                recorded_by=actor,
            ),
            "recorded_at",
            lock=child,
        )
        if same is not None:
            return same
        instemming = Instemming(
            child=child,
            subject=Instemming.Subject.HANDELINGSDEEL,
            plan=plan,
            plan_version=plan.version,
            content_hash=current_hash(plan),
            capacity=Capacity.PARENT if guardianship is not None else Capacity.YOUTH,
            guardianship=guardianship,
            person_name=person_name(guardianship.user) if guardianship is not None else child.given_name,
            agrees=agrees,
            own_words=words,
            method=Instemming.Method.PAPER,
            signed_on=signed_on,
            scan_name=name,
            scan_content_type=content_type,
            recorded_by=actor,
        )
        instemming.scan.save(f"{uuid.uuid4().hex}{Path(name).suffix.lower()}", scan, save=False)
        instemming.save()
        log.log_change(  # logs: create
            actor, decision, child, action=Action.CREATE, object_type="instemming", object_id=instemming.pk
        )
        if not agrees:
            _ask_conversation(instemming)
    return instemming


def _hash_on(plan: Plan, day: date) -> str | None:
    """The handelingsdeel hash of the plan version in force at the end of `day` (local time): the latest PlanVersion
    saved on or before that day; None when the plan had no version yet. A paper signed on `day` was printed from
    that version, so only its hash can be agreed with (review of issue 16)."""
    versions = plan.versions.order_by("-number").values_list("saved_at", "content")
    for saved_at, content in versions:
        if timezone.localdate(saved_at) <= day:
            return handelingsdeel_hash(content)
    return None


def _check_scan(scan: Any) -> tuple[str, str]:
    """(name, content type) of an acceptable scan, or ValidationError."""
    name = Path(scan.name or "").name[:200]
    suffix = Path(name).suffix.lower()
    max_mb = settings.FAMILY_UPLOAD_MAX_MB
    if suffix not in SCAN_SUFFIXES:
        raise ValidationError(_("Add the scan as a PDF or a photo (JPG, PNG)."))
    if scan.size > max_mb * 1024 * 1024:
        raise ValidationError(_("This file is too large. The most is %(mb)d MB.") % {"mb": max_mb})
    try:
        content_type = uploads.check(suffix, scan.read())
    except ValidationError as exc:
        raise ValidationError(exc.messages[0]) from exc
    finally:
        scan.seek(0)
    return name, content_type
