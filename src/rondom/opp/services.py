"""The plan as an ontwikkelingsperspectief (OPP): marking a plan as an OPP, saving its parts and recording the yearly
evaluation with the parents (issue 16, point 1). The only place that writes them; every change asks the access policy
(update of the support data) and is logged in the same transaction, like `cases.services.save_plan`.

Rules and their sources:

- A plan is an OPP when the school gives extra support or the child is in special education (WPO art. 40a lid 1,
  WVO 2020 art. 8.10 lid 1, WEC art. 41a lid 1). A pupil of a special-education school (`Organisation.school_type`
  so, vso or sbo) is offered the special-education basis (`suggested_basis`).
- An OPP always names the expected destination, the uitstroombestemming (WPO art. 40a lid 2, WEC art. 41a lid 2).
- The handelingsdeel says what support, by whom, where, how many hours a week and from when until when (Besluit
  ontwikkelingsperspectief; the parents have instemmingsrecht on it, rondom.opp.hashing).
- The OPP is evaluated with the parents at least once a school year (WPO art. 40a lid 5, WEC art. 41a lid 5): the
  next evaluation is due one year after the last one, or one year after the plan became an OPP.
- The OPP is part of the one plan (`Plan.content["opp"]`, rondom.opp.sections): saving it adds a PlanVersion and
  keeps the goals; saving the goals keeps the OPP (`cases.services.save_plan`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max, QuerySet
from django.utils.translation import gettext as _

from rondom.access import log, policy
from rondom.accounts.models import User
from rondom.cases.models import Plan, PlanVersion
from rondom.cases.services import PlanConflict, new_goal_id
from rondom.core.categories import Action, DataCategory
from rondom.idempotency import recent_duplicate
from rondom.limits import FREE_TEXT_MAX, text_error
from rondom.registry.models import Child

from .models import OppEvaluation
from .sections import (
    HANDELINGSDEEL_KEYS,
    SECTIONS,
    SPECIAL_EDUCATION_SCHOOL_TYPES,
    UITSTROOMPROFIELEN,
    VOICE_KEYS,
    OppBasis,
    section_label,
)

SUPPORT = DataCategory.SUPPORT
#: At most this many rows in the handelingsdeel.
HANDELINGSDEEL_ROWS_MAX = 30
#: The short texts of a handelingsdeel row (support, by, where) hold at most this many characters.
ROW_FIELD_MAX = 500
#: Hours of support a week: a decimal from 0 up to this many (more than a full school week is a typing error).
HOURS_PER_WEEK_MAX = Decimal("40")
#: An OPP evaluation whose due date falls within this many days is "due" (shown in the work list).
EVALUATION_SOON_DAYS = 30


# --- Marking a plan as an OPP ------------------------------------------------------------------------------------


def is_special_education(child: Child) -> bool:
    """Whether the child's school is a special-education school (school type so, vso or sbo). Raises nothing."""
    school = child.school
    return school is not None and school.school_type in SPECIAL_EDUCATION_SCHOOL_TYPES


def suggested_basis(child: Child) -> str:
    """The basis the page offers first: special education for a pupil of an so/vso/sbo school, otherwise extra
    support. Raises nothing."""
    return OppBasis.SPECIAL_EDUCATION if is_special_education(child) else OppBasis.EXTRA_SUPPORT


def start_opp(actor: User, plan_or_child: Plan | Child, *, basis: str, today: date) -> Plan:
    """Mark the child's one plan as an OPP on `basis` (an `OppBasis` value) from `today` (the caller's
    `timezone.localdate()`). A child without a plan gets one (version 0, no goals yet). Marking an OPP again keeps
    its `opp_since` and changes only the basis; the same basis again changes nothing (a double submit is harmless).

    Raises ValidationError with the key basis (not an OppBasis value; special education for a child whose school is
    no special-education school); Http404 outside the actor's scope, PermissionDenied when the policy does not
    allow updating the support data (access.policy.require). Logs: an update of object type `opp`."""
    child = plan_or_child.child if isinstance(plan_or_child, Plan) else plan_or_child
    valid = {value for value, _label in OppBasis.CHOICES}
    if basis not in valid:
        raise ValidationError({"basis": _("Basis: choose extra support or special education.")})
    if basis == OppBasis.SPECIAL_EDUCATION and not is_special_education(child):
        raise ValidationError(
            {
                "basis": _(
                    "Basis: special education applies only to a pupil of a special-education school (so, vso or sbo)."
                )
            }
        )
    with transaction.atomic():
        decision = policy.require(actor, child, Action.UPDATE, SUPPORT)
        plan, _created = Plan.objects.select_for_update().get_or_create(child=child)
        if plan.opp_basis == basis:
            return plan
        plan.opp_basis = basis
        plan.opp_since = plan.opp_since or today
        plan.save(update_fields=["opp_basis", "opp_since", "updated_at"])
        log.log_change(actor, decision, child.pk, action=Action.UPDATE, object_type="opp", object_id=plan.pk)
    return plan


# --- Saving the OPP ----------------------------------------------------------------------------------------------


def opp_of(plan: Plan | None) -> dict[str, Any]:
    """The OPP parts of a plan (`content["opp"]`), or an empty dict. Raises nothing."""
    if plan is None or not isinstance(plan.content, dict):
        return {}
    opp = plan.content.get("opp")
    return opp if isinstance(opp, dict) else {}


def parse_date(value: object) -> date | None:
    """An ISO date text (as stored in a handelingsdeel row) as a date, or None. Raises nothing."""
    return _date(value)


def _date(value: object) -> date | None:
    try:
        return date.fromisoformat(str(value or ""))
    except ValueError:
        return None


def _row_errors(index: int, row: Any) -> dict[str, str]:
    """The errors of handelingsdeel row `index` (0-based; messages count from 1), keyed
    ``handelingsdeel-<index>-<key>``."""
    n = index + 1
    key = f"handelingsdeel-{index}-"
    if not isinstance(row, dict):
        return {"handelingsdeel": _("Handelingsdeel, row %(n)d is not readable.") % {"n": n}}
    errors: dict[str, str] = {}
    names = {
        "support": _("what support"),
        "by": _("by whom"),
        "where": _("where"),
    }
    for field, name in names.items():
        value = str(row.get(field) or "")
        if field != "where" and not value.strip():
            errors[key + field] = _("Handelingsdeel, row %(n)d: %(field)s is required in every row.") % {
                "n": n,
                "field": name,
            }
        elif message := text_error(value, max_length=ROW_FIELD_MAX, required=False):
            errors[key + field] = _("Handelingsdeel, row %(n)d, %(field)s: %(reason)s") % {
                "n": n,
                "field": name,
                "reason": message,
            }
    hours = str(row.get("hours_per_week") or "").strip().replace(",", ".")
    if hours:
        amount: Decimal | None
        try:
            amount = Decimal(hours)
        except InvalidOperation:
            amount = None
        if amount is None or not amount.is_finite() or amount < 0 or amount > HOURS_PER_WEEK_MAX:
            errors[key + "hours_per_week"] = _(
                "Handelingsdeel, row %(n)d: hours per week must be a number from 0 to %(max)s."
            ) % {"n": n, "max": HOURS_PER_WEEK_MAX}
        elif amount != amount.quantize(Decimal("0.01")):  # "1e-999999" would be stored as a million characters
            errors[key + "hours_per_week"] = _(
                "Handelingsdeel, row %(n)d: hours per week have at most two decimals."
            ) % {"n": n}
    start, end = _date(row.get("from")), _date(row.get("until"))
    if start is None:
        errors[key + "from"] = _("Handelingsdeel, row %(n)d: the start date (from) is required and must be a date.") % {
            "n": n
        }
    if end is None:
        errors[key + "until"] = _("Handelingsdeel, row %(n)d: the end date (until) is required and must be a date.") % {
            "n": n
        }
    elif start is not None and end <= start:
        errors[key + "until"] = _(
            "Handelingsdeel, row %(n)d: the end date (until) must lie after the start date (from)."
        ) % {"n": n}
    return errors


def validate_opp(opp: Any, *, basis: str = "") -> dict[str, str]:
    """The errors of an OPP in the shape of `content["opp"]` (rondom.opp.sections), by field key: a section key, a
    handelingsdeel row field ``handelingsdeel-<index>-<key>`` (index 0-based), ``handelingsdeel`` (not a list, too
    many rows), ``child_voice-<section>`` / ``parents_view-<section>``. Each message names the field and the rule.
    Empty: valid. Raises nothing."""
    if not isinstance(opp, dict):
        return {"opp": _("The OPP is not readable.")}
    errors: dict[str, str] = {}
    for section in SECTIONS:
        value = opp.get(section.key) or ""
        if not isinstance(value, str):
            errors[section.key] = _("%(field)s must be a text.") % {"field": section.label}
        elif section.required and not value.strip():
            errors[section.key] = _(
                "%(field)s is required: an OPP always names the expected destination (WPO art. 40a)."
            ) % {"field": section.label}
        elif message := text_error(value, max_length=FREE_TEXT_MAX, required=False):
            errors[section.key] = f"{section.label}: {message}"
    profiel = opp.get("uitstroomprofiel") or ""
    if "uitstroomprofiel" not in errors and profiel and profiel not in {k for k, _l in UITSTROOMPROFIELEN}:
        errors["uitstroomprofiel"] = _(
            "Destination profile (uitstroomprofiel): choose further education, work or day activities."
        )
    if basis == OppBasis.SPECIAL_EDUCATION and not profiel and "uitstroomprofiel" not in errors:
        errors["uitstroomprofiel"] = _(
            "Destination profile (uitstroomprofiel) is required in special education (WEC art. 41a)."
        )
    rows = opp.get("handelingsdeel") or []
    if not isinstance(rows, list):
        errors["handelingsdeel"] = _("The handelingsdeel must be a list of rows.")
    elif len(rows) > HANDELINGSDEEL_ROWS_MAX:
        errors["handelingsdeel"] = _("The handelingsdeel holds at most %(max)d rows (this one has %(n)d).") % {
            "max": HANDELINGSDEEL_ROWS_MAX,
            "n": len(rows),
        }
    else:
        for index, row in enumerate(rows):
            errors.update(_row_errors(index, row))
    for part, name in (("child_voice", _("The child's voice")), ("parents_view", _("The parents' view"))):
        texts = opp.get(part) or {}
        if not isinstance(texts, dict):
            errors[part] = _("%(field)s must hold a text per section.") % {"field": name}
            continue
        for key, value in texts.items():
            if key not in VOICE_KEYS or not isinstance(value, str):
                errors[part] = _("%(field)s: unknown section.") % {"field": name}
            elif message := text_error(value, max_length=FREE_TEXT_MAX, required=False):
                errors[f"{part}-{key}"] = f"{name}, {section_label(key)}: {message}"
    return errors


def _row_ids(plan: Plan) -> set[str]:
    return {str(r["id"]) for r in opp_of(plan).get("handelingsdeel", []) if isinstance(r, dict) and r.get("id")}


def _normalise(opp: dict[str, Any], current_ids: set[str]) -> dict[str, Any]:
    """The OPP as stored: stripped texts, rows with the keys of HANDELINGSDEEL_KEYS (hours as a plain decimal text,
    dates ISO), row ids the server's (kept only when known and not repeated, like goal ids), empty voices left out."""
    out: dict[str, Any] = {s.key: str(opp.get(s.key) or "").strip() for s in SECTIONS}
    rows, kept = [], set()
    for row in opp.get("handelingsdeel") or []:
        sent = row.get("id")
        row_id = str(sent) if isinstance(sent, str) and sent in current_ids and sent not in kept else new_goal_id()
        kept.add(row_id)
        hours = str(row.get("hours_per_week") or "").strip().replace(",", ".")
        item = {k: str(row.get(k) or "").strip() for k in HANDELINGSDEEL_KEYS if k != "id"}
        item["hours_per_week"] = format(Decimal(hours).normalize(), "f") if hours else ""
        item["from"] = _date(row.get("from")).isoformat()  # type: ignore[union-attr]
        item["until"] = _date(row.get("until")).isoformat()  # type: ignore[union-attr]
        rows.append({"id": row_id, **item})
    out["handelingsdeel"] = rows
    for part in ("child_voice", "parents_view"):
        texts = opp.get(part) or {}
        out[part] = {k: v.strip() for k, v in texts.items() if v.strip()}
    return out


def diff_opp(before: dict[str, Any], after: dict[str, Any]) -> list[dict[str, Any]]:
    """What changed between two versions of the OPP, per part: ``[{"section": key, "change": "changed"}]`` (key a
    section key, "handelingsdeel", "child_voice" or "parents_view"). Raises nothing."""
    keys = [*(s.key for s in SECTIONS), "handelingsdeel", "child_voice", "parents_view"]
    return [{"section": k, "change": "changed"} for k in keys if before.get(k) != after.get(k)]


def save_opp(actor: User, child: Child, opp: dict[str, Any], *, base_version: int, today: date) -> Plan:
    """Save the OPP parts of the child's one plan as a new plan version, keeping the goals (and every other key of
    `Plan.content`). `opp`: the shape of `content["opp"]` (rondom.opp.sections); `base_version`: the plan version
    the actor read; `today`: the caller's `timezone.localdate()` (kept for date rules of later versions).

    Raises ValidationError keyed by field (see `validate_opp`; ``opp_basis`` when the plan is not marked as an OPP),
    each message naming the field and the rule, nothing written; PlanConflict (409) with the changed parts
    (`diff_opp`) when someone saved the plan after `base_version`; Http404 outside the actor's scope,
    PermissionDenied without the right to update the support data (access.policy.require). Logs: an update of the
    plan, ``<plan id>:v<version>``, like save_plan."""
    del today  # no date rule on the OPP's rows relative to today: a handelingsdeel may record support already given
    with transaction.atomic():
        decision = policy.require(actor, child, Action.UPDATE, SUPPORT)
        plan = Plan.objects.select_for_update().filter(child=child).first()
        if plan is None or not plan.opp_basis:
            raise ValidationError(
                {"opp_basis": _("Mark the plan as an OPP first (extra support or special education).")}
            )
        errors = validate_opp(opp, basis=plan.opp_basis)
        if errors:
            raise ValidationError(errors)
        if plan.version != base_version:
            base = plan.versions.filter(number=base_version).first()
            before = (base.content.get("opp") or {}) if base else {}
            raise PlanConflict(plan.version, diff_opp(before, opp_of(plan)))
        plan.version += 1
        content = dict(plan.content) if isinstance(plan.content, dict) else {}
        content.setdefault("goals", [])
        content["opp"] = _normalise(opp, _row_ids(plan))
        plan.content = content
        plan.save()
        PlanVersion.objects.create(
            plan=plan,
            number=plan.version,
            content=plan.content,
            includes_treatment=plan.includes_treatment,
            saved_by=actor,
        )
        log.log_change(
            actor, decision, child.pk, action=Action.UPDATE, object_type="plan", object_id=f"{plan.pk}:v{plan.version}"
        )
    return plan


# --- The yearly evaluation with the parents -------------------------------------------------------------------


def one_year_after(day: date) -> date:
    """The same day a year later; 29 February gives 28 February. Raises nothing."""
    try:
        return day.replace(year=day.year + 1)
    except ValueError:
        return day.replace(year=day.year + 1, day=28)


@dataclass(frozen=True)
class EvaluationDue:
    """When the OPP's next evaluation with the parents is due and how that stands on `today`: ``status`` is
    "overdue" (the due date has passed), "due" (within EVALUATION_SOON_DAYS, or today) or "planned"."""

    due: date
    status: str

    @property
    def needs_attention(self) -> bool:
        return self.status in ("overdue", "due")


def _status(due: date, today: date) -> str:
    if due < today:
        return "overdue"
    if due <= today + timedelta(days=EVALUATION_SOON_DAYS):
        return "due"
    return "planned"


def due_from(opp_since: date | None, last_next_due: date | None, today: date) -> EvaluationDue | None:
    """The next evaluation from the last evaluation's `next_due`, or else one year after `opp_since`; None for a
    plan that is no OPP (no `opp_since`). Raises nothing."""
    if last_next_due is not None:
        due = last_next_due
    elif opp_since is not None:
        due = one_year_after(opp_since)
    else:
        return None
    return EvaluationDue(due, _status(due, today))


def opp_evaluation_due(plan: Plan, today: date) -> EvaluationDue | None:
    """When the OPP of `plan` is next to be evaluated with the parents (at least once a school year, WPO art. 40a
    lid 5): one year after the last evaluation held, or one year after the plan became an OPP; None when the plan is
    no OPP. `today`: the caller's date. Raises nothing."""
    if not plan.opp_basis:
        return None
    last = plan.opp_evaluations.order_by("-held_on", "-id").first()
    return due_from(plan.opp_since, last.next_due if last else None, today)


def record_opp_evaluation(
    actor: User, plan: Plan, *, held_on: date, with_parents: bool, summary: str, today: date
) -> OppEvaluation:
    """Record the evaluation of the OPP held on `held_on`; the next one is due one year later (`next_due`,
    `one_year_after`). `today`: the caller's date (an evaluation cannot be recorded before it was held).

    A double submit (the same person, plan, date and text within rondom.idempotency's window) returns the evaluation
    recorded first and writes nothing. Raises ValidationError with the keys plan (no OPP), held_on (after today, or
    more than a year before the plan became an OPP), summary (empty, too long); Http404 outside scope,
    PermissionDenied without the right to update the support data. Logs: a create of object type `opp_evaluation`."""
    if not plan.opp_basis:
        raise ValidationError({"plan": _("This plan is not an OPP: mark it as one first.")})
    errors: dict[str, str] = {}
    if held_on > today:
        errors["held_on"] = _("Held on: the evaluation cannot be recorded before it was held (a date up to today).")
    elif plan.opp_since and held_on < plan.opp_since - timedelta(days=366):
        errors["held_on"] = _("Held on: the date lies more than a year before the plan became an OPP.")
    if message := text_error(summary, max_length=FREE_TEXT_MAX):
        errors["summary"] = _("What was concluded: %(reason)s") % {"reason": message}
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        decision = policy.require(actor, plan.child, Action.UPDATE, SUPPORT)
        # A double submit (same person, same plan, same day and text, within the window) gives the first one.
        same = recent_duplicate(
            OppEvaluation.objects.filter(plan=plan, recorded_by=actor, held_on=held_on, summary=summary.strip()),
            "recorded_at",
            lock=plan.child,
        )
        if same is not None:
            return same
        evaluation = OppEvaluation.objects.create(
            plan=plan,
            held_on=held_on,
            with_parents=with_parents,
            summary=summary.strip(),
            next_due=one_year_after(held_on),
            recorded_by=actor,
        )
        log.log_change(
            actor, decision, plan.child_id, action=Action.CREATE, object_type="opp_evaluation", object_id=evaluation.pk
        )
    return evaluation


def opp_plans_with_due(
    plans: QuerySet[Plan], today: date, *, only_attention: bool = True
) -> list[tuple[Plan, EvaluationDue]]:
    """The OPP plans of `plans` with their next evaluation, overdue first, then by due date; `only_attention`: only
    those overdue or due within EVALUATION_SOON_DAYS. One query (the last `next_due` per plan is an annotation).
    Raises nothing."""
    rows = (
        plans.exclude(opp_basis="")
        .annotate(last_next_due=Max("opp_evaluations__next_due"))
        .select_related("child", "child__school")
    )
    found: list[tuple[Plan, EvaluationDue]] = []
    for plan in rows:
        due = due_from(plan.opp_since, plan.last_next_due, today)  # type: ignore[attr-defined]
        if due is not None and (due.needs_attention or not only_attention):
            found.append((plan, due))
    found.sort(key=lambda pair: (pair[1].due, pair[0].pk))
    return found
