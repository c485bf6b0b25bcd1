"""The family's own door: who may come in (age rules, authority), the e-mail code, and what parents and youths
may do themselves — read the plan, agree or comment, say "helpt het?", keep a logbook, decide on their consents,
and see who looked at the file. Every look and every change is logged like a professional's."""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from rondom.access import log, policy
from rondom.access.policy import Decision
from rondom.access.rules import YOUTH_OWN_ACCESS_AGE, Ground
from rondom.accounts.middleware import FAMILY_VERIFIED
from rondom.accounts.models import User
from rondom.audit.models import AccessLogEntry
from rondom.cases.measures import value_error
from rondom.cases.models import GoalEvaluation, Plan, PlanAgreement
from rondom.consent import rules as consent_rules
from rondom.consent.models import Capacity, Consent, ConsentGiver
from rondom.core.categories import Action, DataCategory
from rondom.core.errors import LimitReached
from rondom.idempotency import recent_duplicate
from rondom.limits import has_control_characters
from rondom.records import consent as consent_services
from rondom.registry.models import Child, ChildNote

from . import uploads
from .models import FamilyDocument, LoginCode, SupporterChoice

FAMILY_GROUNDS = frozenset({Ground.PARENT, Ground.YOUTH})
CODE_MINUTES = 10
SESSION_KEY = FAMILY_VERIFIED


@dataclass(frozen=True)
class FamilyChild:
    child: Child
    capacity: str  # Capacity.PARENT or Capacity.YOUTH
    decision: Decision


# --- Who may come in --------------------------------------------------------------------------------------


def family_children(user: User) -> list[FamilyChild]:
    """The children this user opens as parent with authority (under 16, or 16+ who agreed) or as the youth (12+)."""
    found = []
    for child in policy.children_in_scope(user).select_related("school").order_by("date_of_birth"):
        decision = policy.decide(user, child, Action.READ, DataCategory.IDENTITY)
        if decision.allowed and decision.ground in FAMILY_GROUNDS:
            capacity = Capacity.YOUTH if decision.ground == Ground.YOUTH else Capacity.PARENT
            found.append(FamilyChild(child, capacity, decision))
    return found


def refusal(user: User) -> str:
    """Why a family login finds nothing, in plain words; '' when there is something to show."""
    if family_children(user):
        return ""
    if (
        user.guardianships.filter(has_authority=False).exists()
        and not user.guardianships.filter(has_authority=True).exists()
    ):
        return _(
            "You are registered as a parent, but without parental authority (gezag). That is why you cannot see "
            "the file here. Do you have authority after all? Please tell the school."
        )
    own = Child.objects.filter(youth_account=user).first()
    if own is not None and own.age_on() < YOUTH_OWN_ACCESS_AGE:
        return _(
            "You can log in yourself from the age of 12. Until then your parents can see your file. "
            "Ask them to show you."
        )
    if user.guardianships.filter(has_authority=True).exists():
        return _(
            "Your child is 16 or older and decides alone who sees the file. Your child can give you access in "
            "the portal."
        )
    return _("We did not find a child that belongs to this account. Please ask the school for help.")


# --- The e-mail code --------------------------------------------------------------------------------------


def _hash(code: str) -> str:
    return hmac.new(settings.SECRET_KEY.encode(), code.encode(), hashlib.sha256).hexdigest()


class TooManyCodes(LimitReached):
    """More codes were asked for this account within the window than settings.NEW_CODE_RATE_LIMIT allows (a
    ``LimitReached``, rondom.core.errors; the login pages say so with their own text)."""


_RATE = re.compile(r"^(?P<count>\d+)/(?P<number>\d*)(?P<unit>[smhd])$")
_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def code_limit(rate: str | None = None) -> tuple[int, timedelta]:
    """The number of codes one account may be sent per window, from a rate in django-ratelimit's notation.

    `rate` defaults to settings.NEW_CODE_RATE_LIMIT (env RONDOM_NEW_CODE_RATE, default "3/10m": three codes per ten
    minutes). Returns (count, window). Raises ValueError for a rate that is not "<count>/<number><s|m|h|d>".
    """
    rate = settings.NEW_CODE_RATE_LIMIT if rate is None else rate
    match = _RATE.match(rate.strip())
    if match is None:
        raise ValueError(f"RONDOM_NEW_CODE_RATE must look like '3/10m', not {rate!r}")
    seconds = int(match["number"] or 1) * _UNIT_SECONDS[match["unit"]]
    return int(match["count"]), timedelta(seconds=seconds)


def send_code(user: User, *, now: datetime | None = None) -> bool:
    """Send a new six-digit code to the user's e-mail address; older codes stop working.

    Every code issued counts towards ONE limit per account (code_limit(): 3 per 10 minutes by default), whether the
    login or "send a new code" asked for it — otherwise logging in again would issue fresh codes with fresh tries
    and lift the limit of settings.VERIFY_ATTEMPTS tries per code (security probe 2, finding 1). The count and the
    new code are one transaction that first locks the account's row, so requests at the same moment are counted
    one after another. Returns False when the user has no e-mail address. Raises TooManyCodes when the limit is
    reached: then nothing changes — the previous code keeps working, with its count of tries.
    """
    if not user.email:
        return False
    now = now or timezone.now()
    count, window = code_limit()
    with transaction.atomic():
        list(User.objects.select_for_update().filter(pk=user.pk).values_list("pk", flat=True))  # the account lock
        if LoginCode.objects.filter(user=user, created_at__gt=now - window).count() >= count:
            raise TooManyCodes
        LoginCode.objects.filter(user=user, used_at__isnull=True).update(used_at=now)
        code = f"{secrets.randbelow(1_000_000):06d}"
        LoginCode.objects.create(user=user, code_hash=_hash(code), expires_at=now + timedelta(minutes=CODE_MINUTES))
    send_mail(
        _("Your login code for Rondom"),
        _(
            "Your code is %(code)s. It works for %(minutes)d minutes. "
            "Did you not try to log in? Then ignore this e-mail."
        )
        % {"code": code, "minutes": CODE_MINUTES},
        settings.DEFAULT_FROM_EMAIL,
        [user.email],
    )
    return True


def check_code(user: User, code: str, *, now: datetime | None = None) -> None:
    """Accept the latest code once; a wrong, expired or used code changes nothing but the count of tries.

    Every comparison first claims a try with one UPDATE that carries the limit in its WHERE
    (`attempts = attempts + 1 WHERE attempts < limit`), so however many requests arrive at once, at most
    settings.VERIFY_ATTEMPTS (5) comparisons are ever made for a code (security probe, issue 12 finding 4);
    marking the code used is conditional in the same way, so a right code works once. Raises ValidationError with
    a plain message.
    """
    now = now or timezone.now()
    latest = LoginCode.objects.filter(user=user).order_by("-created_at", "-pk").first()  # the newest, also on a tie
    if latest is None or latest.used_at is not None:
        raise ValidationError(_("This code no longer works. Ask for a new code."))
    if latest.expires_at < now:
        raise ValidationError(_("This code has expired. Ask for a new code."))
    unused = LoginCode.objects.filter(pk=latest.pk, used_at__isnull=True)
    claimed = unused.filter(attempts__lt=settings.VERIFY_ATTEMPTS).update(attempts=F("attempts") + 1)
    if not claimed:
        if not unused.exists():  # used a moment ago by another request, or replaced by a new code
            raise ValidationError(_("This code no longer works. Ask for a new code."))
        raise ValidationError(_("Too many tries. Ask for a new code."))
    if not hmac.compare_digest(latest.code_hash, _hash(code.strip())):
        raise ValidationError(_("This code is not right. Check the e-mail and try again."))
    if not LoginCode.objects.filter(pk=latest.pk, used_at__isnull=True).update(used_at=now):
        raise ValidationError(_("This code no longer works. Ask for a new code."))


# --- The child's file -------------------------------------------------------------------------------------


def opened(user: User, child_id: int | str) -> FamilyChild:
    """A child the user opens in the portal, or 404: the same rules as everywhere, family grounds only."""
    for found in family_children(user):
        if str(found.child.pk) == str(child_id):
            return found
    from django.http import Http404

    raise Http404


def _log_change(user: User, found: FamilyChild, object_type: str, object_id: object, action: str) -> None:
    """The family's own change through the portal, on its family ground (rules.CHANGE_RULES["family_portal"])."""
    log.log_change(
        user,
        found.decision,
        found.child,
        action=action,
        category=DataCategory.SUPPORT,
        rule="family_portal",
        object_type=object_type,
        object_id=object_id,
    )


def person_name(user: User) -> str:
    return user.get_full_name() or user.username


def respond_to_plan(user: User, found: FamilyChild, *, agrees: bool, own_words: str) -> PlanAgreement:
    """A parent agrees (or not) with the plan; the youth says it in their own words."""
    plan = Plan.objects.filter(child=found.child).first()
    if plan is None or plan.version == 0:
        raise ValidationError(_("There is no plan yet."))
    if found.capacity == Capacity.YOUTH and not own_words.strip():
        raise ValidationError({"own_words": _("Write in your own words what you think of the plan.")})
    with transaction.atomic():
        agreement = PlanAgreement.objects.create(
            plan=plan,
            version=plan.version,
            capacity=found.capacity,
            person_name=person_name(user),
            agrees=agrees,
            own_words=own_words.strip(),
            recorded_by=user,
        )
        _log_change(user, found, "plan_agreement", agreement.pk, Action.CREATE)
    return agreement


def evaluate(
    user: User, found: FamilyChild, *, goal_id: str, score: int, comment: str, value: str | None = None
) -> GoalEvaluation:
    """ "Helpt het?": the family rates a goal from 1 to 5; it feeds the monitoring. With `value` (text, a decimal
    point or comma) they also say where the goal stands on its measure: 0 to 10 on the scale, a number on the goal's
    own measure (cases.measures); it adds a point to the goal's chart (cases.progress).

    Raises ValidationError with the keys goal_id (not in the plan), score (not 1-5), value (no number, more than
    two decimals, outside 0-10 on the scale or beyond ±999999.99)."""
    plan = Plan.objects.filter(child=found.child).first()
    goal = next((g for g in plan.content.get("goals", []) if g.get("id") == goal_id), None) if plan else None
    if plan is None or goal is None:
        raise ValidationError({"goal_id": _("Choose a goal from the plan.")})
    if not 1 <= score <= 5:
        raise ValidationError({"score": _("Choose a number from 1 to 5.")})
    number, message = value_error(goal, value)
    if message:
        raise ValidationError({"value": message})
    rater = GoalEvaluation.Rater.YOUTH if found.capacity == Capacity.YOUTH else GoalEvaluation.Rater.PARENT
    with transaction.atomic():
        evaluation = GoalEvaluation.objects.create(
            plan=plan,
            goal_id=goal_id,
            rater=rater,
            score=score,
            value=number,
            comment=comment.strip(),
            evaluated_on=timezone.localdate(),
            recorded_by=user,
        )
        _log_change(user, found, "goal_evaluation", evaluation.pk, Action.CREATE)
    return evaluation


def add_to_logbook(user: User, found: FamilyChild, text: str) -> ChildNote:
    """The family logbook: what happened at home, in the family's words. The school's team reads it."""
    if not text.strip():
        raise ValidationError({"text": _("Write something first.")})
    if len(text) > 4000:
        raise ValidationError({"text": _("Please keep it shorter (at most 4000 characters).")})
    if has_control_characters(text, allow_line_breaks=True):
        raise ValidationError({"text": _("The text holds control characters that cannot be saved.")})
    with transaction.atomic():
        # A double submit (the same entry again within the window) answers with the entry written first.
        same = recent_duplicate(
            ChildNote.objects.filter(
                child=found.child,
                category=DataCategory.SUPPORT,
                author=user,
                author_organisation__isnull=True,
                text=text.strip(),
            ),
            "created_at",
            lock=found.child,
        )
        if same is not None:
            return same
        note = ChildNote.objects.create(
            child=found.child, category=DataCategory.SUPPORT, text=text.strip(), author=user
        )
        _log_change(user, found, "family_logbook", note.pk, Action.CREATE)
    return note


def logbook(found: FamilyChild) -> list[ChildNote]:
    return list(
        ChildNote.objects.filter(child=found.child, category=DataCategory.SUPPORT, author_organisation__isnull=True)
        .exclude(author__isnull=True)
        .select_related("author")
        .order_by("-created_at")[:50]
    )


# --- Consent in the family's hands ------------------------------------------------------------------------


@dataclass(frozen=True)
class ConsentRow:
    consent: Consent
    active: bool
    may_withdraw: bool
    may_renew: bool

    @property
    def parts(self) -> str:
        labels = dict(DataCategory.choices)
        return ", ".join(str(labels.get(c, c)) for c in self.consent.categories)


def consent_rows(user: User, found: FamilyChild, today: date | None = None) -> list[ConsentRow]:
    today = today or timezone.localdate()
    age = found.child.age_on(today)
    rows = []
    for consent in Consent.objects.filter(child=found.child).select_related("recipient").order_by("-recorded_at"):
        active = consent.is_active(today)
        rows.append(
            ConsentRow(
                consent,
                active,
                active and consent_rules.may_withdraw(age, found.capacity),
                not active and _decides_alone(user, found, age),
            )
        )
    return rows


def _decides_alone(user: User, found: FamilyChild, age: int) -> bool:
    """Whether this person's consent alone is enough (16+: the youth; under 12: the only parent with authority)."""
    rule = consent_rules.rule_for_age(age)
    if found.capacity == Capacity.YOUTH:
        return not rule.parents_needed
    return not rule.youth_needed and found.child.guardianships.filter(has_authority=True).count() == 1


def withdraw(user: User, found: FamilyChild, consent_id: int) -> Consent:
    """One action, effective at once: every access that relied on the consent ends with this transaction."""
    consent = Consent.objects.filter(child=found.child, pk=consent_id).first()
    if consent is None:
        from django.http import Http404

        raise Http404
    return consent_services.withdraw_consent(user, consent)


def renew(user: User, found: FamilyChild, consent_id: int) -> Consent:
    """Give a withdrawn or ended consent again (same purpose, parts and recipient), when this person decides alone."""
    old = Consent.objects.filter(child=found.child, pk=consent_id).first()
    if old is None:
        from django.http import Http404

        raise Http404
    age = found.child.age_on()
    if old.is_active() or not _decides_alone(user, found, age):
        raise PermissionDenied
    with transaction.atomic():
        consent = Consent.objects.create(
            child=found.child, purpose=old.purpose, categories=old.categories, recipient=old.recipient, recorded_by=user
        )
        guardianship = found.child.guardianships.filter(user=user, has_authority=True).first()
        ConsentGiver.objects.create(
            consent=consent,
            capacity=found.capacity,
            guardianship=guardianship if found.capacity == Capacity.PARENT else None,
        )
        _log_change(user, found, "consent", consent.pk, Action.CREATE)
    return consent


# --- Who looked at my file --------------------------------------------------------------------------------


def who_looked(child: Child, limit: int = 500) -> list[AccessLogEntry]:
    """The access log of this child (NEN 7513), newest first: exactly this child's rows."""
    return list(AccessLogEntry.objects.filter(child_id=child.pk).order_by("-seq")[:limit])


# --- Documents --------------------------------------------------------------------------------------------


def add_document(user: User, found: FamilyChild, upload: Any) -> FamilyDocument:
    """Store a document the family adds; too large (settings.FAMILY_UPLOAD_MAX_MB) or not an accepted format (see
    `uploads.check`: judged by the format, macros refused) raises ValidationError on "file" and nothing is stored."""
    import uuid
    from pathlib import Path

    name = Path(upload.name or "").name[:200]
    suffix = Path(name).suffix.lower()
    max_mb = settings.FAMILY_UPLOAD_MAX_MB
    if upload.size > max_mb * 1024 * 1024:
        raise ValidationError({"file": _("This file is too large. The most is %(mb)d MB.") % {"mb": max_mb}})
    content_type = uploads.check(suffix, upload.read())
    upload.seek(0)
    with transaction.atomic():
        document = FamilyDocument(
            child=found.child,
            uploaded_by=user,
            capacity=found.capacity,
            name=name,
            content_type=content_type,
            size=upload.size,
        )
        document.file.save(f"{uuid.uuid4().hex}{suffix}", upload, save=False)
        document.save()
        _log_change(user, found, "family_document", document.pk, Action.CREATE)
    return document


# --- Choosing a supporter ---------------------------------------------------------------------------------


def offer_choice(actor: User, child: Child, *, question: str, options: list[Any]) -> SupporterChoice:
    """The school offers a choice of at least two supporters (providers' named people for this school)."""
    decision = policy.require(actor, child, Action.UPDATE, DataCategory.SUPPORT)
    errors = {}
    if not question.strip():
        errors["question"] = _("Say what the family chooses.")
    if len({o.pk for o in options}) < 2:
        errors["options"] = _("Offer at least two supporters; with one there is nothing to choose.")
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        choice = SupporterChoice.objects.create(child=child, question=question.strip(), offered_by=actor)
        choice.options.set(options)
        log.log_change(
            actor, decision, child, action=Action.CREATE, object_type="supporter_choice", object_id=choice.pk
        )
    return choice


def choose(user: User, found: FamilyChild, choice_id: int, option_id: int) -> SupporterChoice:
    """The family picks one of the offered supporters; the choice is recorded with who and when."""
    choice = SupporterChoice.objects.filter(child=found.child, pk=choice_id).first()
    if choice is None:
        from django.http import Http404

        raise Http404
    if choice.chosen_id is not None:
        raise ValidationError(_("A choice has already been made. Ask the school if you want to change it."))
    option = choice.options.filter(pk=option_id).first()
    if option is None:
        raise ValidationError(_("Choose one of the supporters on the list."))
    with transaction.atomic():
        choice.chosen, choice.chosen_by, choice.chosen_at = option, user, timezone.now()
        choice.save(update_fields=["chosen", "chosen_by", "chosen_at"])
        _log_change(user, found, "supporter_choice", choice.pk, Action.UPDATE)
    return choice
