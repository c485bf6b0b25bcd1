"""What the monitoring dashboard and the accountability report show, computed once: a pilot (or the whole city)
against a comparison area, this school year against the baseline, the trend over five school years, and a
breakdown per school or per wijk. Aggregates only; a figure that rests on fewer than RONDOM_MONITORING_MIN_CELL
children or answers is withheld, so no small group can be singled out."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.utils import formats
from django.utils.translation import gettext as _

from rondom.access import tasks
from rondom.accounts.models import Organisation, User
from rondom.accounts.roles import OrganisationKind
from rondom.core.schoolyear import SchoolYear
from rondom.funding.models import Pilot
from rondom.funding.officers import municipalities_of
from rondom.registry.models import Child, Wijk

from .indicators import INDICATORS, Figure, Indicator, Scope, compute_grid
from .rollup import refreshed_at

YEARS_SHOWN = 5
CITY = "city"  # the comparison "rest of the city"
BREAKDOWNS = ("", "school", "wijk")


def current_school_year() -> SchoolYear:
    return SchoolYear.current()


def school_years() -> list[SchoolYear]:
    """The five school years shown, newest first."""
    now = current_school_year().start_year
    return [SchoolYear(now - n) for n in range(YEARS_SHOWN)]


def may_see_monitoring(user: User) -> bool:
    """The task right behind the *Monitoring* dashboard (page and menu): `see_monitoring` (access.tasks)."""
    return tasks.may(user, "see_monitoring")


@dataclass(frozen=True)
class Cell:
    """A figure as shown: its value, or withheld because it rests on too few."""

    value: Decimal | None
    n: int
    withheld: bool = False

    @classmethod
    def of(cls, figure: Figure, min_cell: int) -> Cell:
        if 0 < figure.n < min_cell and figure.value is not None:
            return cls(None, figure.n, True)
        return cls(figure.value, figure.n)

    def __str__(self) -> str:
        if self.withheld:
            return _("fewer than %(n)d") % {"n": settings.RONDOM_MONITORING_MIN_CELL}
        return "—" if self.value is None else formats.localize(self.value)

    def export(self) -> Any:
        """For CSV/XLSX: the number, or empty, or the withheld marker."""
        if self.withheld:
            return f"<{settings.RONDOM_MONITORING_MIN_CELL}"
        return self.value


@dataclass
class Monitoring:
    pilot: Pilot | None
    year: SchoolYear
    baseline: SchoolYear
    years: list[SchoolYear]
    compare: str
    compare_label: str
    breakdown: str
    schools: int
    comparison_schools: int
    #: per indicator: (indicator, now, baseline, comparison now, comparison baseline)
    summary: list[tuple[Indicator, Cell, Cell, Cell, Cell]] = field(default_factory=list)
    #: per indicator: (indicator, [pilot cell per year oldest first], [comparison cell per year])
    trend: list[tuple[Indicator, list[Cell], list[Cell]]] = field(default_factory=list)
    #: (group name, [cell per indicator, in the order of INDICATORS]) for the breakdown per school or wijk
    groups: list[tuple[str, list[Cell]]] = field(default_factory=list)
    #: when the worker last recomputed the monthly rollup the figures rest on (None: not yet)
    refreshed_at: Any = None

    @property
    def title(self) -> str:
        return self.pilot.name if self.pilot else _("The whole city")


def city_schools(municipalities: set[int]) -> dict[int, str]:
    return dict(
        Organisation.objects.filter(kind=OrganisationKind.SCHOOL, municipality_id__in=municipalities)
        .order_by("name")
        .values_list("pk", "name")
    )


def school_wijken(schools: Mapping[int, str]) -> dict[int, int]:
    """A school's wijk: where most of its pupils live (schools have an address, not a wijk, in this register)."""
    counts: dict[int, Counter[int]] = defaultdict(Counter)
    rows = (
        Child.objects.filter(school_id__in=list(schools), wijk__isnull=False, anonymised_at__isnull=True)
        .values_list("school_id", "wijk_id")
        .order_by()
    )
    for school, wijk in rows:
        counts[school][wijk] += 1
    return {school: c.most_common(1)[0][0] for school, c in counts.items()}


def build(
    user: User,
    *,
    pilot: Pilot | None,
    year: SchoolYear,
    compare: str = CITY,
    breakdown: str = "",
) -> Monitoring:
    """Everything the dashboard and the report show for one selection. `compare` is CITY or "wijk:<id>"."""
    municipalities = municipalities_of(user)
    city = city_schools(municipalities)
    in_scope = frozenset(s for s in (pilot.schools.values_list("pk", flat=True) if pilot else city) if s in city)
    wijken = school_wijken(city) if compare != CITY or breakdown == "wijk" else {}
    compare_label = _("the rest of the city")
    if compare.startswith("wijk:") and compare[5:].isascii() and compare[5:].isdigit():  # "³".isdigit() is True
        wijk = Wijk.objects.filter(pk=int(compare[5:]), municipality_id__in=municipalities).first()
        if wijk is None:
            compare = CITY
            comparison = frozenset(city) - in_scope
        else:
            comparison = frozenset(s for s, w in wijken.items() if w == wijk.pk) - in_scope
            compare_label = _("wijk %(name)s") % {"name": wijk.name}
    else:
        compare = CITY
        comparison = frozenset(city) - in_scope
    baseline = SchoolYear(pilot.start_year - 1) if pilot else school_years()[-1]
    years = sorted({*school_years(), year, baseline}, key=lambda y: y.start_year)
    scopes: dict[str, Scope] = {"scope": Scope(in_scope, pilot), "comparison": Scope(comparison)}
    groups: dict[str, str] = {}
    if breakdown == "school":
        for pk in sorted(in_scope, key=lambda pk: city[pk]):
            scopes[f"g{pk}"], groups[f"g{pk}"] = Scope(frozenset({pk})), city[pk]
    elif breakdown == "wijk":
        names = dict(Wijk.objects.filter(pk__in=set(wijken.values())).values_list("pk", "name"))
        by_wijk: dict[int, set[int]] = defaultdict(set)
        for pk in in_scope:
            if pk in wijken:
                by_wijk[wijken[pk]].add(pk)
        for wijk_id in sorted(by_wijk, key=lambda w: names[w]):
            scopes[f"w{wijk_id}"], groups[f"w{wijk_id}"] = Scope(frozenset(by_wijk[wijk_id])), names[wijk_id]
    else:
        breakdown = ""
    grid = compute_grid(scopes, years)
    min_cell = settings.RONDOM_MONITORING_MIN_CELL

    def cell(name: str, y: SchoolYear, key: str) -> Cell:
        return Cell.of(grid[(name, y)][key], min_cell)

    trend_years = [y for y in years if y in school_years()]
    result = Monitoring(
        pilot, year, baseline, trend_years, compare, compare_label, breakdown, len(in_scope), len(comparison)
    )
    for i in INDICATORS:
        result.summary.append(
            (
                i,
                cell("scope", year, i.key),
                cell("scope", baseline, i.key),
                cell("comparison", year, i.key),
                cell("comparison", baseline, i.key),
            )
        )
        result.trend.append(
            (i, [cell("scope", y, i.key) for y in trend_years], [cell("comparison", y, i.key) for y in trend_years])
        )
    result.refreshed_at = refreshed_at()
    result.groups = [(label, [cell(name, year, i.key) for i in INDICATORS]) for name, label in groups.items()]
    return result


# --- tables for download: the same rows as on the page --------------------------------------------------------


def summary_table(m: Monitoring) -> tuple[list[str], list[list[Any]]]:
    header = [
        _("Indicator"),
        _("Description"),
        _("Unit"),
        f"{m.title} {m.year}",
        f"{m.title} {m.baseline} ({_('baseline')})",
        f"{_('Comparison')} {m.year}",
        f"{_('Comparison')} {m.baseline} ({_('baseline')})",
    ]
    rows = [[i.key, i.description, i.unit, *(c.export() for c in cells)] for i, *cells in m.summary]
    return header, rows


def trend_table(m: Monitoring) -> tuple[list[str], list[list[Any]]]:
    header = [_("Indicator"), _("Unit")]
    header += [f"{m.title} {y}" for y in m.years] + [f"{_('Comparison')} {y}" for y in m.years]
    rows = [[i.key, i.unit, *(c.export() for c in mine), *(c.export() for c in theirs)] for i, mine, theirs in m.trend]
    return header, rows


def breakdown_table(m: Monitoring) -> tuple[list[str], list[list[Any]]]:
    header = [_("School") if m.breakdown == "school" else _("Wijk")] + [i.key for i in INDICATORS]
    rows = [[label, *(c.export() for c in cells)] for label, cells in m.groups]
    return header, rows


TABLES = {"summary": summary_table, "trend": trend_table, "breakdown": breakdown_table}


# --- charts: coordinates computed here so templates and the PDF only draw -----------------------------------------


def bar_chart(m: Monitoring, width: int = 400, step: int = 56) -> dict[str, Any]:
    """Per indicator two bars (scope, comparison) in this school year, scaled to the larger of the two."""
    items = []
    for n, (i, now, _base, other, _other_base) in enumerate(m.summary):
        a, b = now.value, other.value
        top = max([v for v in (a, b) if v is not None] or [Decimal(0)])

        def scale(v: Decimal | None, top: Decimal = top) -> int:
            return 0 if v is None or not top else max(round(width * float(v) / float(top)), 1)

        y = n * step
        items.append(
            {
                "label": i.description,
                "label_y": y + 14,
                "pilot_y": y + 20,
                "comparison_y": y + 36,
                "pilot": scale(a),
                "comparison": scale(b),
            }
        )
    return {"items": items, "height": len(m.summary) * step, "width": width + 20}


def line_chart(m: Monitoring, key: str, width: int = 480, height: int = 200) -> dict[str, Any]:
    """One indicator over the school years: two lines (scope, comparison) with points."""
    row = next((r for r in m.trend if r[0].key == key), m.trend[0])
    values = [c.value for c in row[1] + row[2] if c.value is not None]
    top = max(values) if values else Decimal(0)
    left, bottom, span = 40, height - 30, max(len(m.years) - 1, 1)

    def points(cells: list[Cell]) -> list[dict[str, Any]]:
        found = []
        for n, c in enumerate(cells):
            if c.value is None:
                continue
            x = left + round((width - left - 20) * n / span)
            y = bottom - (round((bottom - 20) * float(c.value) / float(top)) if top else 0)
            found.append({"x": x, "y": y, "label": str(c)})
        return found

    mine, theirs = points(row[1]), points(row[2])
    return {
        "indicator": row[0],
        "width": width,
        "height": height,
        "bottom": bottom,
        "left": left,
        "mine": mine,
        "theirs": theirs,
        "mine_path": " ".join(f"{p['x']},{p['y']}" for p in mine),
        "theirs_path": " ".join(f"{p['x']},{p['y']}" for p in theirs),
        "ticks": [{"x": left + round((width - left - 20) * n / span), "label": str(y)} for n, y in enumerate(m.years)],
        "top": str(Cell(top, 0)) if values else "",
    }
