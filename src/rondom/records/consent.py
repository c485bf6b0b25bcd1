"""Giving and withdrawing consent. The only place that changes consent records."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from django.apps import apps
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import override

from rondom.access import log, policy
from rondom.access.rules import Ground
from rondom.accounts.models import Organisation, User
from rondom.consent import rules
from rondom.consent.backed import ConsentBacked
from rondom.consent.models import Capacity, Consent, ConsentGiver, Purpose
from rondom.core.categories import Action, DataCategory
from rondom.core.roles import OrganisationKind
from rondom.idempotency import recent_duplicate
from rondom.notifications.services import notify
from rondom.registry.models import Child, Guardianship

#: Which kind of organisation may receive data for which purpose (None: no recipient organisation).
PURPOSE_RECIPIENT_KINDS: dict[str, frozenset[str] | None] = {
    Purpose.SUPPORT_TEAM: frozenset(
        {
            OrganisationKind.WIJKTEAM,
            OrganisationKind.PROVIDER,
            OrganisationKind.GGD,
            OrganisationKind.LEERPLICHT,
            OrganisationKind.SCHOOL,
        }
    ),
    Purpose.PROVIDER: frozenset({OrganisationKind.PROVIDER}),
    Purpose.WIJKTEAM: frozenset({OrganisationKind.WIJKTEAM}),
    Purpose.RESEARCH: frozenset({OrganisationKind.KNOWLEDGE}),
    Purpose.INFORM_PARENTS: None,
    #: A warm transfer: the receiving school (rondom.transfers).
    Purpose.TRANSFER: frozenset({OrganisationKind.SCHOOL}),
    #: A request to the samenwerkingsverband passend onderwijs (rondom.swv): the school's SWV receives it.
    Purpose.SWV: frozenset({OrganisationKind.SWV}),
}


@dataclass(frozen=True)
class Giver:
    capacity: str
    guardianship: Guardianship | None = None


def _validate(
    child: Child,
    purpose: str,
    categories: list[str],
    recipient: Organisation | None,
    givers: list[Giver],
    valid_from: date,
    valid_until: date | None,
) -> None:
    errors: dict[str, str] = {}
    if purpose not in Purpose.values:
        errors["purpose"] = _("Unknown purpose.")
    unknown = [c for c in categories if c not in DataCategory.values]
    if not categories:
        errors["categories"] = _("Choose at least one part of the record.")
    elif unknown:
        errors["categories"] = _("Unknown part of the record: %(names)s.") % {"names": ", ".join(unknown)}
    kinds = PURPOSE_RECIPIENT_KINDS.get(purpose)
    if kinds is None and recipient is not None:
        errors["recipient"] = _("This purpose has no recipient organisation.")
    elif kinds is not None and recipient is None:
        errors["recipient"] = _("Name the organisation that receives the data.")
    elif kinds is not None and recipient is not None and recipient.kind not in kinds:
        errors["recipient"] = _("An organisation of this kind cannot receive data for this purpose.")
    if valid_until is not None and valid_until < valid_from:
        errors["valid_until"] = _("The end date lies before the start date.")
    age = child.age_on(valid_from)
    rule = rules.rule_for_age(age)
    parents = {g.guardianship.pk for g in givers if g.capacity == Capacity.PARENT and g.guardianship is not None}
    youth = any(g.capacity == Capacity.YOUTH for g in givers)
    for g in givers:
        if g.capacity == Capacity.PARENT and (
            g.guardianship is None or g.guardianship.child_id != child.pk or not g.guardianship.has_authority
        ):
            errors["givers"] = _("Only a parent with authority over this child can give consent as a parent.")
    authority = set(child.guardianships.filter(has_authority=True).values_list("pk", flat=True))
    if "givers" not in errors:
        if purpose == Purpose.INFORM_PARENTS and age < rules.YOUTH_DECIDES_ALONE_AGE:
            errors["purpose"] = _("Only a youth of 16 or older decides whether parents are informed.")
        elif rule.parents_needed and not authority:
            errors["givers"] = _("No parent with authority is registered for this child.")
        elif rule.parents_needed and parents != authority:
            errors["givers"] = _("Under 16 every parent with authority must give consent.")
        elif rule.youth_needed and not youth:
            if rule.parents_needed:
                errors["givers"] = _("From 12 to 15 the youth gives consent together with the parents.")
            else:
                errors["givers"] = _("From 16 the youth decides alone: the youth must give consent.")
        elif not rule.parents_needed and parents:
            errors["givers"] = _("From 16 the youth decides alone: parents cannot give this consent.")
        elif not rule.youth_needed and youth:
            errors["givers"] = _("Under 12 the parents with authority decide: the child does not sign.")
    if errors:
        raise ValidationError(errors)


def give_consent(
    actor: User,
    child: Child,
    *,
    purpose: str,
    categories: list[str],
    recipient: Organisation | None,
    givers: list[Giver],
    valid_from: date | None = None,
    valid_until: date | None = None,
) -> Consent:
    """Record a consent the family gave. The actor must be allowed to change the child's support record.

    Raises ValidationError with the keys purpose (unknown; informing parents is the youth's from 16), categories
    (none, or unknown), recipient (missing, not expected, or of a kind that cannot receive for this purpose),
    valid_until (before valid_from), givers (not a parent with authority; none registered; the age rules of
    consent.rules); Http404 outside the actor's scope, PermissionDenied when the policy does not allow creating
    support data (access.policy.require)."""
    valid_from = valid_from or timezone.localdate()
    categories = sorted(set(categories))
    with transaction.atomic():
        decision = policy.require(actor, child, Action.CREATE, DataCategory.SUPPORT)
        _validate(child, purpose, categories, recipient, givers, valid_from, valid_until)
        # A double submit (same person, same consent, within the window) answers with the consent recorded first.
        same = recent_duplicate(
            Consent.objects.filter(
                child=child,
                purpose=purpose,
                recipient=recipient,
                valid_from=valid_from,
                valid_until=valid_until,
                recorded_by=actor,
                withdrawn_at__isnull=True,
            ),
            "recorded_at",
            lock=child,
        )
        wanted = sorted((g.capacity, g.guardianship.pk if g.guardianship else None) for g in givers)
        if same is not None and sorted(same.categories) == categories and wanted == _givers_of(same):
            return same
        consent = Consent.objects.create(
            child=child,
            purpose=purpose,
            categories=categories,
            recipient=recipient,
            valid_from=valid_from,
            valid_until=valid_until,
            recorded_by=actor,
        )
        ConsentGiver.objects.bulk_create(
            [ConsentGiver(consent=consent, capacity=g.capacity, guardianship=g.guardianship) for g in givers]
        )
        log.log_change(actor, decision, child, action=Action.CREATE, object_type="consent", object_id=consent.pk)
    return consent


def _givers_of(consent: Consent) -> list[tuple[str, int | None]]:
    return sorted((g.capacity, g.guardianship_id) for g in consent.givers.all())


def withdraw_consent(actor: User, consent: Consent, *, on_behalf: Giver | None = None) -> Consent:
    """Withdraw a consent at once. Every access that relied on it ends with this transaction, and the
    professionals who lose access by it are notified in the same transaction (without the child's name; once per
    person and consent).

    A parent with authority or the youth may withdraw their own consent (as the age rules allow); a
    professional who may change the support record records a withdrawal on behalf of one of them.

    Raises ValidationError with the keys on_behalf (a professional without saying for whom) and consent (already
    withdrawn); Http404 when the actor has no ground for the child, PermissionDenied when the actor is neither a
    giver of this consent nor allowed to change the support record."""
    with transaction.atomic():
        consent = Consent.objects.select_for_update().select_related("child").get(pk=consent.pk)
        child = consent.child
        age = child.age_on()
        own = _own_capacity(actor, child)
        if own is not None and rules.may_withdraw(age, own.capacity):
            decision = policy.require(actor, child, Action.READ, DataCategory.IDENTITY)
            if decision.ground not in (Ground.PARENT, Ground.YOUTH):  # e.g. a parent who also teaches there
                family = [b for b in policy.bases_for(actor, child) if b.ground in (Ground.PARENT, Ground.YOUTH)]
                decision = policy.decide_with(family, Action.READ, DataCategory.IDENTITY) if family else decision
            rule = "withdraw_own_consent"
        else:
            rule = None
            decision = policy.decide(actor, child, Action.UPDATE, DataCategory.SUPPORT)
            if not decision.in_scope:
                raise Http404
            if not decision.allowed or decision.ground in (Ground.PARENT, Ground.YOUTH, Ground.EMERGENCY):
                raise PermissionDenied
            if on_behalf is None or not rules.may_withdraw(age, on_behalf.capacity):
                raise ValidationError({"on_behalf": _("Say on whose behalf the consent is withdrawn.")})
        if consent.withdrawn_at is not None:
            raise ValidationError({"consent": _("This consent was already withdrawn.")})
        now = timezone.now()
        holders = _holding_access(consent, now)
        readable_before = {user: set(policy.readable_categories(user, child)) for user in holders}
        consent.withdrawn_at = now
        consent.withdrawn_by = actor
        consent.withdrawn_on_behalf = own.capacity if on_behalf is None and own is not None else on_behalf.capacity  # type: ignore[union-attr]
        consent.save(update_fields=["withdrawn_at", "withdrawn_by", "withdrawn_on_behalf"])
        log.log_change(
            actor,
            decision,
            child,
            action=Action.UPDATE,
            category=DataCategory.SUPPORT,
            rule=rule,
            object_type="consent",
            object_id=consent.pk,
        )
        _tell_who_lost_access(consent, readable_before)
    return consent


def _holding_access(consent: Consent, now: datetime) -> list[User]:
    """The active users who hold access to the child on `consent` at `now`: through every consent-backed model
    (consent.backed.ConsentBacked: a support-team seat, an erbij-halen grant, an open request for help)."""
    users: set[int] = set()
    for model in apps.get_models():
        if issubclass(model, ConsentBacked):
            rows = model._default_manager.filter(consent=consent).filter(model.holding_q(now))
            users |= set(rows.values_list(f"{model.holder}__user_id", flat=True))
    return list(User.objects.filter(pk__in=users, is_active=True)) if users else []


def _tell_who_lost_access(consent: Consent, readable_before: dict[User, set[str]]) -> None:
    """Notify those who held access on the consent and, now it is withdrawn, may read less of the child's record
    than before (someone who still reads everything on another ground, e.g. the child's school, lost nothing). The
    notification names no child and links to no page about the child: that page may no longer open for them. One
    per person and consent (notifications.services.notify deduplicates on the key), in the withdrawal's
    transaction."""
    lost = [
        user
        for user, before in readable_before.items()
        if not before <= set(policy.readable_categories(user, consent.child))
    ]
    if not lost:
        return
    with override(settings.LANGUAGE_CODE):
        title = _("Access to a pupil ended: the family withdrew its consent")
    notify(lost, title=title, url="", key=f"consent-withdrawn:{consent.pk}")


def _own_capacity(user: User, child: Child) -> Giver | None:
    if child.youth_account_id == user.pk:
        return Giver(Capacity.YOUTH)
    guardianship = child.guardianships.filter(user=user, has_authority=True).first()
    return Giver(Capacity.PARENT, guardianship) if guardianship else None
