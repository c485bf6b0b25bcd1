"""The school's side of a request to the samenwerkingsverband passend onderwijs (SWV): releasing documents on the
parents' consent per document, sending a request filled from the OPP and the case (no retyping), and withdrawing
it (issue 16, part 3; docs/swv.md). The SWV's side (queue, planning, advice, decision) is in rondom.swv.decisions.

Sources of the rules: WPO art. 18a and WVO 2020 art. 6.1.1 (the SWV decides on extra support and on a
toelaatbaarheidsverklaring, TLV, for special education; a TLV needs the school's OPP, WPO art. 40a / WVO 2020
art. 8.10); AVG art. 6 and 9 (the family's consent before the record leaves the school); the deadline is
SWV_DECISION_WORKING_DAYS working days (default 5, as samenwerkingsverbanden promise; rondom.schoolcalendar)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from rondom.access import log, policy, tasks
from rondom.access.rules import Ground
from rondom.accounts.models import Organisation, User
from rondom.cases.models import Case, Plan
from rondom.consent import rules as consent_rules
from rondom.consent.models import Capacity, Consent, Purpose
from rondom.core.access_types import Decision
from rondom.core.categories import Action, DataCategory
from rondom.core.errors import Refused
from rondom.idempotency import recent_duplicate
from rondom.opp.sections import SECTIONS
from rondom.portal.models import FamilyDocument
from rondom.registry.models import Child
from rondom.schoolcalendar.services import add_working_days
from rondom.versioning import save_versioned

from .models import DocumentRelease, RequestDocument, RequestKind, RequestState, SwvRequest

SUPPORT = DataCategory.SUPPORT

#: Who sends a request for the school: the holders of task right `send_swv_requests` (access.tasks: the intern
#: begeleider (po) or zorgcoördinator (vo)) at the child's school.
SENDER_TASK = "send_swv_requests"
#: The generated document "the OPP as PDF" (rondom.opp.pdf renders it; its name here when it is attached).
OPP_PDF = "opp_pdf"
#: The longest question (characters) and the highest funding asked for one child's arrangement (euro). An individual
#: arrangement of a samenwerkingsverband is a few thousand to some tens of thousands of euros a year; more is a typing
#: error (an extra zero), not a request.
QUESTION_MAX = 4000
FUNDING_MAX = Decimal("100000.00")
#: A TLV needs these OPP parts besides the uitstroombestemming: why this destination and what the child needs
#: (Besluit ontwikkelingsperspectief; the SWV's expert advice weighs them, WPO art. 18a lid 6).
TLV_OPP_KEYS = ("uitstroombestemming", "onderbouwing", "onderwijsbehoeften")
#: States in which a request can still be withdrawn: before the SWV decided.
OPEN_STATES = frozenset({RequestState.SUBMITTED, RequestState.PLANNED, RequestState.ADVISED})


def school_swv(child: Child) -> Organisation | None:
    """The samenwerkingsverband of the child's current school (`Organisation.samenwerkingsverband`), or None."""
    school = child.school
    return school.samenwerkingsverband if school is not None else None


def _sender_decision(actor: User, child: Child, action: str) -> Decision:
    """The actor's decision to send or withdraw a request for `child`: on the school-role ground of an intern
    begeleider or zorgcoördinator at the child's school. Raises Http404 outside scope, PermissionDenied (Refused)
    otherwise (a teacher, a school social worker, a team member from outside the school)."""
    bases = policy.bases_for(actor, child)
    decision = policy.decide_with(bases, action, SUPPORT)
    if not decision.in_scope:
        raise Http404
    senders = [
        b
        for b in bases
        if b.ground == Ground.SCHOOL_ROLE and b.membership is not None and tasks.held_by(b.membership, SENDER_TASK)
    ]
    sender = policy.decide_with(senders, action, SUPPORT)
    if not sender.allowed:
        raise Refused(
            _(
                "Only the intern begeleider or zorgcoördinator of the child's school sends requests to the "
                "samenwerkingsverband."
            )
        )
    return sender


def may_send(actor: User, child: Child) -> bool:
    """Whether `actor` may send (and withdraw) requests for `child` (see `_sender_decision`). Raises nothing."""
    try:
        _sender_decision(actor, child, Action.CREATE)
    except (Http404, PermissionDenied):
        return False
    return True


def swv_consents(child: Child, swv: Organisation | None, today: date) -> list[Consent]:
    """The consents in force on `today` that let the record go to `swv`: purpose SWV, naming `swv`, covering the
    support part of the record (newest first)."""
    if swv is None:
        return []
    found = Consent.objects.fitting(child, Purpose.SWV, swv, on=today)
    return [c for c in found if c.covers(SUPPORT)]


def released(consent: Consent) -> tuple[set[int], set[str]]:
    """The documents released under `consent`: (family document ids, generated names)."""
    rows = list(consent.swv_releases.values_list("family_document_id", "generated"))
    return {d for d, _g in rows if d is not None}, {g for _d, g in rows if g}


def release_documents(
    actor: User,
    child: Child,
    *,
    consent: Consent,
    document_ids: Iterable[int] = (),
    opp_pdf: bool = False,
    today: date,
) -> list[DocumentRelease]:
    """Record that the parents (or the youth, by the age rules of the consent) released these documents to the
    samenwerkingsverband under `consent`: one DocumentRelease per document (`document_ids`: FamilyDocument ids of
    the child; `opp_pdf`: the OPP as PDF). A document released before stays released; nothing is duplicated.

    Raises ValidationError with the keys consent (not in force on `today`, another purpose, or not naming the school's
    samenwerkingsverband) and documents (none chosen; a document that is not in this child's record); Http404 outside
    the actor's scope, PermissionDenied unless the actor is the intern begeleider or zorgcoördinator of the child's
    school. Logs one `swv_document_release` create row per document released now."""
    with transaction.atomic():
        decision = _sender_decision(actor, child, Action.CREATE)
        return _release(actor, child, consent, document_ids, opp_pdf, today, decision=decision, rule=None)


def release_by_family(
    user: User, found: Any, *, consent_id: int, document_ids: Iterable[int] = (), opp_pdf: bool = False, today: date
) -> list[DocumentRelease]:
    """The parents (or the youth) release documents to the samenwerkingsverband themselves, in the portal. `found`
    is the child as the portal opened it (portal.services.opened: family grounds only). Who decides follows the
    age rules of consent (consent.rules): under 16 a parent with authority, from 12 also the youth together with
    them, from 16 the youth alone.

    Raises ValidationError with the keys consent and documents (as `release_documents`); PermissionDenied (Refused)
    when the age rules leave this decision to someone else. Logs one `swv_document_release` create row per document
    released now, on the family ground (rules.CHANGE_RULES["family_portal"])."""
    child = found.child
    rule = consent_rules.rule_for_age(child.age_on(today))
    if not (
        (found.capacity == Capacity.PARENT and rule.parents_needed)
        or (found.capacity == Capacity.YOUTH and rule.youth_needed)
    ):
        raise Refused(_("Only who gave the consent for the samenwerkingsverband releases documents under it."))
    consent = Consent.objects.filter(pk=consent_id, child=child).first()
    if consent is None:
        raise ValidationError({"consent": _("Choose a consent in force for the samenwerkingsverband.")})
    with transaction.atomic():
        return _release(
            user, child, consent, document_ids, opp_pdf, today, decision=found.decision, rule="family_portal"
        )


def _release(
    actor: User,
    child: Child,
    consent: Consent,
    document_ids: Iterable[int],
    opp_pdf: bool,
    today: date,
    *,
    decision: Decision,
    rule: str | None,
) -> list[DocumentRelease]:
    ids = sorted({int(i) for i in document_ids})
    errors: dict[str, str] = {}
    swv = school_swv(child)
    if consent.pk not in {c.pk for c in swv_consents(child, swv, today)}:
        errors["consent"] = _(
            "This consent does not let documents go to the school's samenwerkingsverband: choose a consent in "
            "force for the samenwerkingsverband."
        )
    if not ids and not opp_pdf:
        errors["documents"] = _("Choose at least one document the parents released.")
    found = set(FamilyDocument.objects.filter(child=child, pk__in=ids).values_list("pk", flat=True))
    if set(ids) - found:
        errors["documents"] = _("A chosen document is not in this child's record.")
    if errors:
        raise ValidationError(errors)
    have_docs, have_generated = released(consent)
    new = [DocumentRelease(consent=consent, family_document_id=i, released_by=actor) for i in ids if i not in have_docs]
    if opp_pdf and OPP_PDF not in have_generated:
        new.append(DocumentRelease(consent=consent, generated=OPP_PDF, released_by=actor))
    made = []
    for row in new:
        row.save()
        made.append(row)
        log.log_change(
            actor,
            decision,
            child,
            action=Action.CREATE,
            category=SUPPORT,
            rule=rule,
            object_type="swv_document_release",
            object_id=row.pk,
        )  # logs: create
    return made


def snapshot_of(plan: Plan | None, case: Case | None) -> dict[str, Any]:
    """What is sent, copied as it is (never retyped): the OPP parts and the goals of the plan's current version, the
    plan's version number and OPP basis, and the case's question with its history (state, date, reason)."""
    content = plan.content if plan is not None and isinstance(plan.content, dict) else {}
    snapshot: dict[str, Any] = {
        "plan_version": plan.version if plan is not None else None,
        "opp_basis": plan.opp_basis if plan is not None else "",
        "opp": content.get("opp") or {},
        "goals": content.get("goals") or [],
        "case": None,
    }
    if case is not None:
        snapshot["case"] = {
            "id": case.pk,
            "question": case.question,
            "registered_on": timezone.localdate(case.registered_at).isoformat() if case.registered_at else "",
            "history": [
                {
                    "state": s.state,
                    "on": timezone.localdate(s.changed_at).isoformat() if s.changed_at else "",
                    "reason": s.reason,
                }
                for s in case.history.all()
            ],
        }
    return snapshot


def _funding(kind: str, value: Any, errors: dict[str, str]) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        amount = Decimal(str(value))
    except (InvalidOperation, ValueError):
        errors["funding_requested"] = _("The funding is an amount in euros, e.g. 4500 or 4500.50.")
        return None
    if kind != RequestKind.ARRANGEMENT:
        errors["funding_requested"] = _("Only a request for extra support (an arrangement) asks for funding.")
    elif not amount.is_finite() or amount <= 0:
        errors["funding_requested"] = _("The funding must be more than 0 euros.")
    elif amount > FUNDING_MAX:
        errors["funding_requested"] = _("The funding can be at most %(max)s euros for one child.") % {
            "max": f"{FUNDING_MAX:,.0f}".replace(",", ".")
        }
    elif amount != amount.quantize(Decimal("0.01")):
        errors["funding_requested"] = _("The funding has at most two decimals (cents).")
    return amount


def _consent_error(child: Child, swv: Organisation, today: date) -> str:
    others = Consent.objects.fitting(child, Purpose.SWV, on=today).exclude(recipient=swv)
    if others.exists():
        return _(
            "The parents' consent names another recipient: for this request they must consent to sharing with %(swv)s."
        ) % {"swv": swv.name}
    return _(
        "Record the parents' consent to share the support record with the samenwerkingsverband %(swv)s first "
        "(on the consent page)."
    ) % {"swv": swv.name}


def submit_request(
    actor: User,
    child: Child,
    *,
    kind: str,
    question: str,
    case: Case | None = None,
    funding_requested: Decimal | str | None = None,
    document_ids: Iterable[int | str] = (),
    today: date,
) -> SwvRequest:
    """Send one request of `kind` (RequestKind) about `child` to the samenwerkingsverband of the child's school.

    The request is filled from the record, never retyped: `snapshot` holds the OPP parts and goals of the plan's
    current version, the plan version and the case's question and history (`snapshot_of`). `document_ids` names what
    is attached: FamilyDocument ids of the child and/or "opp_pdf" (the OPP as PDF), each released by the parents
    under the consent used (`release_documents`). `funding_requested`: euros, only for an arrangement, > 0 and at
    most FUNDING_MAX. `received_on` is `today`; `decide_by` is `today` plus SWV_DECISION_WORKING_DAYS working days
    (weekends and public holidays skipped, school holidays count: docs/swv.md).

    Raises ValidationError (nothing written) with the keys kind (unknown), question (empty, too long), child (no
    school, or the school has no samenwerkingsverband), consent (no consent in force naming the school's SWV for the
    support record; one naming another recipient), case (not this child's), opp (a TLV without an OPP, or without
    its uitstroombestemming, onderbouwing or onderwijsbehoeften), funding_requested (not an amount, not for this
    kind, not > 0, above the bound, more than two decimals), documents (not in this child's record, or not
    released by the parents); Http404 outside the actor's scope; PermissionDenied (Refused) unless the actor is the
    intern begeleider or zorgcoördinator of the child's school. A double submit (same person, child, kind and
    question within DOUBLE_SUBMIT_SECONDS) returns the request sent first. Logs one `swv_request` create row."""
    question = (question or "").strip()
    errors: dict[str, str] = {}
    if kind not in RequestKind.values:
        errors["kind"] = _("Choose what you ask the samenwerkingsverband.")
    if not question:
        errors["question"] = _("Write down the question for the samenwerkingsverband.")
    elif len(question) > QUESTION_MAX:
        errors["question"] = _("The question is at most %(max)d characters.") % {"max": QUESTION_MAX}
    amount = _funding(kind, funding_requested, errors)
    wanted_docs: set[int] = set()
    wanted_generated: set[str] = set()
    for item in document_ids:
        if str(item) == OPP_PDF:
            wanted_generated.add(OPP_PDF)
        else:
            try:
                wanted_docs.add(int(item))
            except (TypeError, ValueError):
                errors["documents"] = _("A chosen document is not in this child's record.")
    with transaction.atomic():
        decision = _sender_decision(actor, child, Action.CREATE)
        swv = school_swv(child)
        if child.school is None or swv is None:
            errors["child"] = _(
                "The child's school has no samenwerkingsverband configured: ask the functioneel beheerder."
            )
        consents = swv_consents(child, swv, today) if swv is not None else []
        consent = consents[0] if consents else None
        if swv is not None and consent is None:
            errors["consent"] = _consent_error(child, swv, today)
        if case is not None and case.child_id != child.pk:
            errors["case"] = _("This case is not about this child.")
        plan = Plan.objects.filter(child=child).first()
        opp = plan.content.get("opp") if plan is not None and isinstance(plan.content, dict) else None
        if kind == RequestKind.TLV:
            if plan is None or not plan.version or not isinstance(opp, dict) or not opp:
                errors["opp"] = _("A TLV request needs the child's OPP: write the OPP in the plan first.")
            else:
                labels = {s.key: s.label for s in SECTIONS}
                missing = [str(labels.get(k, k)) for k in TLV_OPP_KEYS if not str(opp.get(k) or "").strip()]
                if missing:
                    errors["opp"] = _("A TLV request needs these parts of the OPP: %(parts)s.") % {
                        "parts": ", ".join(missing)
                    }
        if (
            wanted_docs
            and set(FamilyDocument.objects.filter(child=child, pk__in=wanted_docs).values_list("pk", flat=True))
            != wanted_docs
        ):
            errors["documents"] = _("A chosen document is not in this child's record.")
        elif (wanted_docs or wanted_generated) and consent is not None:
            have_docs, have_generated = released(consent)
            if not wanted_docs <= have_docs or not wanted_generated <= have_generated:
                errors["documents"] = _(
                    "The parents have not released every chosen document to the samenwerkingsverband: record their "
                    "consent per document first."
                )
            if OPP_PDF in wanted_generated and (plan is None or not plan.version):
                errors["documents"] = _("There is no plan to attach as a PDF.")
        if errors:
            raise ValidationError(errors)
        assert swv is not None and consent is not None and child.school is not None
        same = recent_duplicate(
            SwvRequest.objects.filter(child=child, kind=kind, question=question, submitted_by=actor),
            "submitted_at",
            lock=child,
        )
        if same is not None:
            return same
        if case is not None:
            case = Case.objects.prefetch_related("history").get(pk=case.pk)
        request = SwvRequest.objects.create(
            child=child,
            case=case,
            school=child.school,
            swv=swv,
            kind=kind,
            question=question,
            snapshot=snapshot_of(plan, case),
            plan_version=plan.version if plan is not None and plan.version else None,
            funding_requested=amount,
            consent=consent,
            submitted_by=actor,
            received_on=today,
            decide_by=add_working_days(today, settings.SWV_DECISION_WORKING_DAYS),
        )
        documents = FamilyDocument.objects.filter(child=child, pk__in=wanted_docs).order_by("pk")
        rows = [
            RequestDocument(request=request, family_document=d, name=d.name, consent=consent, attached_by=actor)
            for d in documents
        ]
        if OPP_PDF in wanted_generated and plan is not None:
            # The bytes are rendered by rondom.opp.pdf when it is there; the name records which version was sent.
            name = _("OPP, plan version %(n)d (PDF)") % {"n": plan.version}
            rows.append(
                RequestDocument(request=request, generated=OPP_PDF, name=name, consent=consent, attached_by=actor)
            )
        RequestDocument.objects.bulk_create(rows)
        log.log_change(
            actor, decision, child, action=Action.CREATE, object_type="swv_request", object_id=request.pk
        )  # logs: create
    return request


def withdraw_request(actor: User, request: SwvRequest, reason: str, version: int, *, now: Any = None) -> SwvRequest:
    """The school withdraws a request the samenwerkingsverband has not decided yet, with a reason. `version` is the
    request's version the actor read (rondom.versioning).

    Raises ValidationError with the keys reason (empty, or longer than QUESTION_MAX) and state (already decided or
    withdrawn); Conflict (409) when the request changed since `version` (nothing written); Http404 outside the
    actor's scope; PermissionDenied (Refused) unless the actor is the intern begeleider or zorgcoördinator of the
    child's school. Logs one `swv_request` update row."""
    reason = (reason or "").strip()
    now = now or timezone.now()
    with transaction.atomic():
        current = SwvRequest.objects.select_related("child").get(pk=request.pk)
        decision = _sender_decision(actor, current.child, Action.UPDATE)
        errors: dict[str, str] = {}
        if not reason:
            errors["reason"] = _("Say why the request is withdrawn.")
        elif len(reason) > QUESTION_MAX:
            errors["reason"] = _("The reason is at most %(max)d characters.") % {"max": QUESTION_MAX}
        if current.state not in OPEN_STATES and current.version == version:
            errors["state"] = _("Only a request the samenwerkingsverband has not decided yet can be withdrawn.")
        if errors:
            raise ValidationError(errors)
        save_versioned(
            current,
            version,
            {
                "state": RequestState.WITHDRAWN,
                "withdrawn_at": now,
                "withdrawn_by": actor,
                "withdrawn_reason": reason,
            },
            submitted={"state": current.state},
        )
        log.log_change(
            actor, decision, current.child, action=Action.UPDATE, object_type="swv_request", object_id=current.pk
        )  # logs: update
    return current


def swv_reads_document(swv_id: int, document: FamilyDocument) -> bool:
    """Whether the samenwerkingsverband `swv_id` may open the family's `document`: it was released to that SWV under
    a consent naming it (DocumentRelease) or attached to a request to it (RequestDocument). Everything else in the
    family's documents stays with the school, even while the SWV reads the support record on a request."""
    return (
        DocumentRelease.objects.filter(consent__recipient_id=swv_id, family_document=document).exists()
        or RequestDocument.objects.filter(request__swv_id=swv_id, family_document=document).exists()
    )
