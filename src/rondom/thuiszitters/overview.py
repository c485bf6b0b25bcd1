"""The overview of thuiszitters and absence per school, wijk or municipality of residence: counts, no names.

Who sees which part: policy staff and leerplicht the children living in the municipalities their organisation
serves (or belongs to); a school's support staff their own school."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from django.db.models import Q, Sum
from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from rondom.accounts.models import Organisation, User
from rondom.accounts.roles import Role
from rondom.attendance.models import AbsenceKind, AbsenceRecord
from rondom.exports import table_response

from .models import Thuiszitter, ThuiszitterKind

GROUPINGS = {
    "school": gettext_lazy("School"),
    "wijk": gettext_lazy("Wijk"),
    "municipality": gettext_lazy("Municipality of residence"),
}
MUNICIPAL_ROLES = frozenset({Role.POLICY_OFFICER, Role.LEERPLICHT_OFFICER})
SCHOOL_ROLES = frozenset({Role.INTERN_BEGELEIDER, Role.ZORGCOORDINATOR})
ABSENCE_WEEKS = 4


@dataclass
class Scope:
    municipality_ids: set[int] = field(default_factory=set)
    school_ids: set[int] = field(default_factory=set)

    def q(self, prefix: str = "") -> Q:
        return Q(**{f"{prefix}child__home_municipality_id__in": self.municipality_ids}) | Q(
            **{f"{prefix}school_id__in": self.school_ids}
        )


def scope_for(user: User) -> Scope | None:
    scope = Scope()
    found = False
    for m in user.roles():
        if m.role in MUNICIPAL_ROLES:
            found = True
            served = set(
                Organisation.serves_municipalities.through.objects.filter(
                    organisation_id=m.organisation_id
                ).values_list("municipality_id", flat=True)
            )
            if not served and m.organisation.municipality_id:
                served = {m.organisation.municipality_id}
            scope.municipality_ids |= served
        elif m.role in SCHOOL_ROLES:
            found = True
            scope.school_ids.add(m.organisation_id)
    return scope if found else None


def may_open(user: User) -> bool:
    """The task right behind the overview page and its link in the menu (one predicate for both): the user has a
    scope, i.e. holds a role that sees the overview (see ``scope_for``)."""
    return scope_for(user) is not None


@dataclass
class Row:
    name: str
    relative: int = 0
    absolute: int = 0
    authorised: int = 0
    days: list[int] = field(default_factory=list)
    no_visit: int = 0
    open_deadlines: int = 0
    overdue: int = 0
    levels: dict[int, int] = field(default_factory=lambda: defaultdict(int))
    unauthorised_hours: float = 0.0
    sick_hours: float = 0.0

    @property
    def total(self) -> int:
        return self.relative + self.absolute

    @property
    def levels_text(self) -> str:
        """E.g. "1: 3 · 3: 1": how many open cases wait at each rung of the ladder."""
        return " · ".join(f"{rank}: {n}" for rank, n in sorted(self.levels.items())) or "—"

    @property
    def mean_days(self) -> int:
        return round(sum(self.days) / len(self.days)) if self.days else 0

    @property
    def max_days(self) -> int:
        return max(self.days, default=0)


@dataclass
class Table:
    by: str
    rows: list[Row]
    total: Row
    today: date

    def columns(self) -> list[str]:
        return [
            str(GROUPINGS[self.by]),
            _("Relative thuiszitters"),
            _("Absolute thuiszitters"),
            _("Of which authorised"),
            _("Mean days at home"),
            _("Longest (days)"),
            _("No leerplicht visit in the last year"),
            _("Open deadlines"),
            _("Deadline passed"),
            _("Cases per escalation level"),
            _("Unauthorised absence, last 4 weeks (hours)"),
            _("Sick, last 4 weeks (hours)"),
        ]

    def values(self, row: Row) -> list[Any]:
        return [
            row.name,
            row.relative,
            row.absolute,
            row.authorised,
            row.mean_days,
            row.max_days,
            row.no_visit,
            row.open_deadlines,
            row.overdue,
            row.levels_text,
            round(row.unauthorised_hours, 1),
            round(row.sick_hours, 1),
        ]


def _group_name(by: str, school: Any, wijk: Any, municipality: Any) -> str:
    if by == "school":
        return str(school) if school else _("Not enrolled")
    if by == "wijk":
        return str(wijk) if wijk else _("Wijk unknown")
    return str(municipality) if municipality else "—"


def build(scope: Scope, by: str, today: date | None = None) -> Table:
    today = today or timezone.localdate()
    rows: dict[str, Row] = {}

    def row(name: str) -> Row:
        return rows.setdefault(name, Row(name))

    year_ago = today - timedelta(days=365)
    periods = (
        Thuiszitter.objects.filter(scope.q(), ended_on__isnull=True)
        .select_related("school", "child__wijk", "child__home_municipality", "level")
        .prefetch_related("visits")
    )
    for t in periods:
        r = row(_group_name(by, t.school, t.child.wijk, t.child.home_municipality))
        if t.kind == ThuiszitterKind.RELATIVE:
            r.relative += 1
        else:
            r.absolute += 1
        r.authorised += t.authorised
        r.days.append(t.days_at_home(today))
        r.no_visit += not any(v.visited_on > year_ago for v in t.visits.all())
        if t.level is not None:
            r.levels[t.level.rank] += 1
        if not t.decided and t.deadline:
            r.open_deadlines += 1
            r.overdue += t.deadline < today
    field_for = {
        "school": "school__name",
        "wijk": "child__wijk__name",
        "municipality": "child__home_municipality__name",
    }
    absence = (
        AbsenceRecord.objects.filter(scope.q(), date__gt=today - timedelta(weeks=ABSENCE_WEEKS), date__lte=today)
        .filter(kind__in=[AbsenceKind.UNAUTHORISED, AbsenceKind.SICK])
        .values(field_for[by], "kind")
        .annotate(total=Sum("minutes"))
        .values_list(field_for[by], "kind", "total")
    )
    for name, kind, minutes in absence:
        r = row(name or (_("Wijk unknown") if by == "wijk" else "—"))
        if kind == AbsenceKind.UNAUTHORISED:
            r.unauthorised_hours += (minutes or 0) / 60
        else:
            r.sick_hours += (minutes or 0) / 60
    ordered = sorted(rows.values(), key=lambda r: (-r.total, r.name))
    total = Row(_("Total"))
    for r in ordered:
        for name in ("relative", "absolute", "authorised", "no_visit", "open_deadlines", "overdue"):
            setattr(total, name, getattr(total, name) + getattr(r, name))
        total.days += r.days
        total.unauthorised_hours += r.unauthorised_hours
        total.sick_hours += r.sick_hours
        for rank, n in r.levels.items():
            total.levels[rank] += n
    return Table(by, ordered, total, today)


def chart(table: Table, width: int = 560, bar: int = 22) -> dict[str, Any]:
    """Horizontal bars of thuiszitters per group, drawn as SVG by the template (the table is the alternative)."""
    shown = [r for r in table.rows if r.total][:15]
    top = max((r.total for r in shown), default=0) or 1
    label_width = 200
    bars = [
        {
            "name": r.name,
            "value": r.total,
            "y": i * (bar + 8),
            "width": round((width - label_width - 40) * r.total / top),
            "text_y": i * (bar + 8) + bar - 6,
        }
        for i, r in enumerate(shown)
    ]
    return {
        "bars": bars,
        "height": max(len(bars) * (bar + 8), bar),
        "label_width": label_width,
        "bar": bar,
        "width": width,
    }


def export(table: Table, kind: str) -> HttpResponse:
    rows = [table.values(r) for r in table.rows] + [table.values(table.total)]
    return table_response(f"thuiszitters-{table.by}-{table.today.isoformat()}", table.columns(), rows, kind)
