"""The overview of thuiszitters and absence per school, wijk or municipality of residence: counts, no names.

Who sees which part (``scope_for``): the municipality's policy staff and leerplicht the children living in the
municipalities their organisation serves (or belongs to); the policy staff of a school board or samenwerkingsverband
(e.g. Bloz) the schools below their organisation (``Organisation.parent``, two levels: board → school, or
association of boards → board → school), never the whole municipality; a school's support staff their own school.

Small cells (``RONDOM_MONITORING_MIN_CELL``, as the monitoring dashboard): a figure that rests on 1 up to that
minimum minus one children is withheld and shown as "<5", on the page, in CSV and in XLSX alike; a group whose
thuiszitters are that few gets no bar in the chart."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from django.conf import settings
from django.db.models import Count, Q, Sum
from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from rondom.access import tasks
from rondom.access.tasks import schools_below
from rondom.accounts import authority
from rondom.accounts.models import User
from rondom.attendance.models import AbsenceKind, AbsenceRecord
from rondom.exports import table_response

from .models import Thuiszitter, ThuiszitterKind

GROUPINGS = {
    "school": gettext_lazy("School"),
    "wijk": gettext_lazy("Wijk"),
    "municipality": gettext_lazy("Municipality of residence"),
}
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
    """What part of the overview ``user`` sees (see the module's docstring), or None: no role that sees it, or a
    school board's officer with no school below the board (the page answers 403 and the menu has no link). Who sees
    what is task right `see_thuiszitter_overview` (access.tasks), each holder with its scope."""
    scope = Scope()
    found = False
    for m, holder in tasks.holdings(user, "see_thuiszitter_overview"):
        if holder.scope == tasks.Scope.SCHOOLS_BELOW:
            found = True  # held only with a school below (tasks.reach)
            scope.school_ids |= schools_below(m.organisation_id)
        elif holder.scope == tasks.Scope.SERVED_MUNICIPALITIES:
            found = True
            served = authority.served_municipalities([m.organisation_id], own_when_none=True)
            scope.municipality_ids |= served.get(m.organisation_id, set())
        else:
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
    #: The children the hours rest on (distinct per group), to withhold hours of too few children.
    unauthorised_children: int = 0
    sick_children: int = 0

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


@dataclass(frozen=True)
class Withheld:
    """A figure that rests on too few children: shown as "<5" (the minimum) on the page and in downloads."""

    min_cell: int

    def __str__(self) -> str:
        return f"<{self.min_cell}"


def _small(n: int, min_cell: int) -> bool:
    return 0 < n < min_cell


@dataclass
class Table:
    by: str
    rows: list[Row]
    total: Row
    today: date
    min_cell: int = field(default_factory=lambda: settings.RONDOM_MONITORING_MIN_CELL)

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
        """The row as shown and downloaded: counts of 1 up to ``min_cell`` - 1 children, and figures that rest on
        that few (days at home on the row's thuiszitters, hours on the children with such absence), are
        ``Withheld``; 0 stays 0 (nobody to recognise)."""
        withheld = Withheld(self.min_cell)

        def count(n: int) -> Any:
            return withheld if _small(n, self.min_cell) else n

        def resting_on(n: int, value: Any) -> Any:
            return withheld if _small(n, self.min_cell) else value

        levels = " · ".join(f"{rank}: {count(n)}" for rank, n in sorted(row.levels.items())) or "—"
        return [
            row.name,
            count(row.relative),
            count(row.absolute),
            count(row.authorised),
            resting_on(row.total, row.mean_days),
            resting_on(row.total, row.max_days),
            count(row.no_visit),
            count(row.open_deadlines),
            count(row.overdue),
            levels,
            resting_on(row.unauthorised_children, round(row.unauthorised_hours, 1)),
            resting_on(row.sick_children, round(row.sick_hours, 1)),
        ]

    @property
    def lines(self) -> list[list[Any]]:
        """Every group's row as ``values`` gives it (the page's table body)."""
        return [self.values(r) for r in self.rows]

    @property
    def total_line(self) -> list[Any]:
        return self.values(self.total)

    @property
    def has_withheld(self) -> bool:
        return any(isinstance(v, Withheld) for line in [*self.lines, self.total_line] for v in line)


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
    recent = AbsenceRecord.objects.filter(
        scope.q(), date__gt=today - timedelta(weeks=ABSENCE_WEEKS), date__lte=today
    ).filter(kind__in=[AbsenceKind.UNAUTHORISED, AbsenceKind.SICK])
    absence = (
        recent.values(field_for[by], "kind")
        .annotate(total=Sum("minutes"), children=Count("child", distinct=True))
        .values_list(field_for[by], "kind", "total", "children")
    )
    for name, kind, minutes, children in absence:
        r = row(name or (_("Wijk unknown") if by == "wijk" else "—"))
        if kind == AbsenceKind.UNAUTHORISED:
            r.unauthorised_hours += (minutes or 0) / 60
            r.unauthorised_children += children
        else:
            r.sick_hours += (minutes or 0) / 60
            r.sick_children += children
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
    for kind, children in (
        recent.values("kind").annotate(n=Count("child", distinct=True)).values_list("kind", "n")
    ):  # each child once in the total, also one who changed school within the four weeks
        if kind == AbsenceKind.UNAUTHORISED:
            total.unauthorised_children = children
        else:
            total.sick_children = children
    return Table(by, ordered, total, today)


def chart(table: Table, width: int = 560, bar: int = 22) -> dict[str, Any]:
    """Horizontal bars of thuiszitters per group, drawn as SVG by the template (the table is the alternative)."""
    shown = [r for r in table.rows if r.total >= table.min_cell][:15]  # no bar for a group of too few
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
        "left_out": any(0 < r.total < table.min_cell for r in table.rows),
    }


def export(table: Table, kind: str) -> HttpResponse:
    rows = [[str(v) if isinstance(v, Withheld) else v for v in line] for line in [*table.lines, table.total_line]]
    return table_response(f"thuiszitters-{table.by}-{table.today.isoformat()}", table.columns(), rows, kind)
