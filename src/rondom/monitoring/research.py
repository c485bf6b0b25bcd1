"""The research export: "wat werkt" without seeing who is who.

- One row per child, named by a keyed hash (HMAC-SHA256) whose key stays with the municipality
  (RONDOM_RESEARCH_KEY): the same child gets the same pseudonym in every export made with that key; without the
  key the pseudonym cannot be linked back to the child or across keys.
- Only children with an active research consent, or — when the export names a documented legal basis (e.g. a
  statutory research task) — all children of the chosen schools.
- Quasi-identifiers (wijk, school type, age band) of every group smaller than the minimum cell size (default 10)
  are suppressed, so no small group can be singled out.
- Only a policy officer of a municipality (the key holder) exports; every export is recorded and every child in
  it gets an access-log row (action export, ground consent or legal task).
"""

from __future__ import annotations

import hashlib
import hmac
from collections import Counter, defaultdict
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Avg, Count, Q, Sum
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from rondom.access import log, policy, tasks
from rondom.accounts.models import User
from rondom.attendance.models import AbsenceKind, AbsenceRecord
from rondom.cases.models import Case, GoalEvaluation
from rondom.consent.models import Consent, Purpose
from rondom.core.categories import Action, DataCategory
from rondom.core.schoolyear import SchoolYear
from rondom.registry.models import Child
from rondom.thuiszitters.models import Thuiszitter

#: A configuration gap told in plain words: a policy officer never sees the name of an environment variable.
NOT_CONFIGURED = gettext_lazy(
    "The research export is not set up yet: the municipality's key for pseudonyms is missing. "
    "Ask the application administrator to set it up."
)


def is_configured() -> bool:
    """Whether the municipality's pseudonymisation key is set (settings.RONDOM_RESEARCH_KEY, see production.md)."""
    return bool(settings.RONDOM_RESEARCH_KEY)


SUPPRESSED = "*"
COLUMNS = [
    "pseudoniem",
    "wijk",
    "schoolsoort",
    "leeftijdsgroep",
    "thuiszitter",
    "ongeoorloofd_uren",
    "casussen",
    "opgelost_binnen_school",
    "doelbereik_gemiddeld",
]


def pseudonym(child_id: int, key: str) -> str:
    return hmac.new(key.encode(), f"rondom-child:{child_id}".encode(), hashlib.sha256).hexdigest()[:32]


def age_band(age: int) -> str:
    return "4-11" if age < 12 else "12-15" if age < 16 else "16-23"


@dataclass(frozen=True)
class Export:
    rows: list[dict[str, Any]]
    ground: str
    suppressed_rows: int


def export(
    user: User,
    school_ids: list[int],
    year: SchoolYear,
    *,
    legal_basis: str = "",
    min_cell: int | None = None,
    key: str | None = None,
) -> Export:
    # Who may export, and which children on which ground: rule rows (access.tasks.RESEARCH_EXPORT_GROUNDS).
    row, membership = tasks.research_export_ground(user, legal_basis)
    key = key or settings.RONDOM_RESEARCH_KEY
    min_cell = settings.RESEARCH_MIN_CELL if min_cell is None else min_cell
    if not key:
        raise ValidationError(NOT_CONFIGURED)
    if min_cell < 1:
        raise ValidationError({"min_cell": _("The minimum cell size must be at least 1.")})
    scope = Child.objects.filter(school_id__in=school_ids, anonymised_at__isnull=True).select_related("wijk", "school")
    if row.consent_purpose:
        # Read on its own, not as a subquery: with a read replica (rondom.dbrouting) a consent is always read on
        # the primary, so a consent withdrawn a moment ago is never exported; the children may come from the replica.
        consented = list(
            Consent.objects.active()
            .filter(purpose=row.consent_purpose, child__school_id__in=school_ids)
            .values_list("child_id", flat=True)
        )
        scope = scope.filter(pk__in=consented)
    children = list(scope)
    if not children:
        raise ValidationError(
            _("No child can be exported: there is no research consent and no documented legal basis.")
        )
    ids = [c.pk for c in children]
    rows = _measures(children, ids, year, key)
    suppressed = _suppress(rows, min_cell)
    consents = dict(
        Consent.objects.active().filter(purpose=Purpose.RESEARCH, child_id__in=ids).values_list("child_id", "pk")
    )
    with transaction.atomic():
        # Each export row is written on the system rule of the task row's ground (access.rules.SYSTEM_RULES).
        if not row.consent_purpose:
            decisions = [
                policy.system_decision(
                    "research_legal_basis",
                    Action.EXPORT,
                    DataCategory.SUPPORT,
                    membership=membership,
                    detail=legal_basis.strip()[:40],
                )
            ] * len(children)
        else:
            decisions = [
                policy.system_decision(
                    "research_consent",
                    Action.EXPORT,
                    DataCategory.SUPPORT,
                    membership=membership,
                    consent_id=consents.get(child.pk),
                    detail=consents.get(child.pk),
                )
                for child in children
            ]
        log.log_many(
            user,
            decisions,
            [log.LogItem(c.pk, "research_export", str(year)) for c in children],
            reason=legal_basis.strip(),
        )
    return Export(rows, row.key, suppressed)


def _measures(children: list[Child], ids: list[int], year: SchoolYear, key: str) -> list[dict[str, Any]]:
    hours = dict(
        AbsenceRecord.objects.filter(
            child_id__in=ids, kind=AbsenceKind.UNAUTHORISED, date__gte=year.first_day, date__lte=year.last_day
        )
        .values("child_id")
        .annotate(m=Sum("minutes"))
        .values_list("child_id", "m")
    )
    at_home = set(
        Thuiszitter.objects.filter(child_id__in=ids, started_on__lte=year.last_day)
        .exclude(ended_on__lt=year.first_day)
        .values_list("child_id", flat=True)
    )
    cases: defaultdict[int, tuple[int, int]] = defaultdict(lambda: (0, 0))
    for child_id, n, inside in (
        Case.objects.filter(child_id__in=ids, registered_at__date__lte=year.last_day)
        .values("child_id")
        .annotate(n=Count("pk"), inside=Count("pk", filter=Q(solved_within_school=True)))
        .values_list("child_id", "n", "inside")
    ):
        cases[child_id] = (n, inside)
    goals = dict(
        GoalEvaluation.objects.filter(
            plan__child_id__in=ids, evaluated_on__gte=year.first_day, evaluated_on__lte=year.last_day
        )
        .values("plan__child_id")
        .annotate(a=Avg("score"))
        .values_list("plan__child_id", "a")
    )
    rows = []
    for child in children:
        n, inside = cases[child.pk]
        mean = goals.get(child.pk)
        rows.append(
            {
                "pseudoniem": pseudonym(child.pk, key),
                "wijk": child.wijk.name if child.wijk else "",
                "schoolsoort": child.school.school_type if child.school else "",
                "leeftijdsgroep": age_band(child.age_on(year.last_day)),
                "thuiszitter": child.pk in at_home,
                "ongeoorloofd_uren": round((hours.get(child.pk) or 0) / 60, 1),
                "casussen": n,
                "opgelost_binnen_school": inside,
                "doelbereik_gemiddeld": None if mean is None else Decimal(str(mean)).quantize(Decimal("0.01")),
            }
        )
    return rows


QUASI = ("wijk", "schoolsoort", "leeftijdsgroep")


def _suppress(rows: list[dict[str, Any]], min_cell: int) -> int:
    """Blank the quasi-identifiers of every row whose (wijk, school type, age band) group is smaller than min_cell."""
    sizes = Counter(tuple(r[q] for q in QUASI) for r in rows)
    count = 0
    for row in rows:
        if sizes[tuple(row[q] for q in QUASI)] < min_cell:
            for q in QUASI:
                row[q] = SUPPRESSED
            count += 1
    return count
