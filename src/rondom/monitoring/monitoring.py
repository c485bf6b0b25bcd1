"""What the monitoring dashboard and the accountability report show, computed once: a pilot (or the whole city)
against a comparison area, this school year against the baseline, the trend over five school years, and a
breakdown per school or per wijk. Aggregates only; a figure that rests on fewer than RONDOM_MONITORING_MIN_CELL
children or answers is withheld, so no small group can be singled out."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.utils import formats
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from rondom.access import tasks
from rondom.accounts.models import Organisation, User
from rondom.attendance.models import AbsenceKind
from rondom.core.roles import OrganisationKind
from rondom.core.schoolyear import SchoolYear
from rondom.funding.models import Pilot
from rondom.funding.officers import municipalities_of
from rondom.registry.models import Child, Wijk

from .indicators import BY_KEY, INDICATORS, Figure, Indicator, Scope, compute_grid
from .models import FrozenYear, Restatement
from .rollup import ABSENCE_PREFIX, current_restatements, refreshed_at

YEARS_SHOWN = 5
CITY = "city"  # the comparison "rest of the city"
BREAKDOWNS = ("", "school", "wijk")
RATE_PLACES = Decimal("0.01")


def current_school_year(today: date) -> SchoolYear:
    """The school year `today` falls in (1 August to 31 July)."""
    return SchoolYear.of(today)


def school_years(today: date) -> list[SchoolYear]:
    """The five school years shown, newest first: the one `today` falls in and the four before it."""
    now = current_school_year(today).start_year
    return [SchoolYear(now - n) for n in range(YEARS_SHOWN)]


def running_until(year: SchoolYear, today: date) -> date | None:
    """`today` when `year` is still running on that day (its figures cover part of a year only), else None.
    A school year runs from 1 August up to and including 31 July (rondom.core.schoolyear)."""
    return today if year.first_day <= today <= year.last_day else None


def year_label(year: SchoolYear, today: date) -> str:
    """'2025-2026', or for the school year still running on `today`: '2026-2027 (lopend schooljaar, t/m
    november)' in the active language, so that part of a year is never read as a whole one."""
    until = running_until(year, today)
    if until is None:
        return str(year)
    return _("%(year)s (current school year, up to and including %(month)s)") % {
        "year": year,
        "month": formats.date_format(until, "F"),
    }


def may_see_monitoring(user: User) -> bool:
    """The task right behind the *Monitoring* dashboard (page and menu): `see_monitoring` (access.tasks)."""
    return tasks.may(user, "see_monitoring")


def withheld_text() -> str:
    """What a withheld figure shows, on the page, in a chart and in the report: 'afgeschermd (<5)'."""
    return _("withheld (<%(n)d)") % {"n": settings.RONDOM_MONITORING_MIN_CELL}


def grouped(number: int | Decimal) -> str:
    """A number as shown, by Django's l10n in the active language, with the thousands grouped: '1.234' and
    '171.000,76' in Dutch (never '171000,76'); a Decimal keeps its places."""
    return formats.number_format(number, use_l10n=True, force_grouping=True)


@dataclass(frozen=True)
class Cell:
    """A figure as shown: its value, or withheld because it rests on too few. For a count of children
    (`Indicator.is_count`) also `rate`: the count per 100 pupils of the schools counted, so that a pilot of 8
    schools and a comparison of 75 can be compared."""

    value: Decimal | None
    n: int
    withheld: bool = False
    rate: Decimal | None = None
    #: for a published figure of a frozen school year that was corrected later: the corrected figure, shown next
    #: to it as *Herzien cijfer* (the published one stays what is shown first and exported)
    restated: Cell | None = field(default=None, compare=False)

    @classmethod
    def of(cls, figure: Figure, min_cell: int, indicator: Indicator | None = None) -> Cell:
        if 0 < figure.n < min_cell and figure.value is not None:
            return cls(None, figure.n, True)
        rate = None
        if indicator is not None and indicator.is_count and figure.value is not None and figure.pupils:
            rate = (figure.value * 100 / figure.pupils).quantize(RATE_PLACES)
        return cls(figure.value, figure.n, rate=rate)

    def __str__(self) -> str:
        if self.withheld:
            return withheld_text()
        return "—" if self.value is None else grouped(self.value)

    @property
    def rate_text(self) -> str:
        """'0,75 per 100 leerlingen', or empty when there is no rate."""
        if self.rate is None:
            return ""
        return _("%(rate)s per 100 pupils") % {"rate": grouped(self.rate)}

    @property
    def full_text(self) -> str:
        """The value with its rate: '6 (0,75 per 100 leerlingen)'."""
        return f"{self} ({self.rate_text})" if self.rate_text else str(self)

    @property
    def chart_value(self) -> Decimal | None:
        """What a chart draws: the rate for a count of children (like with like), else the value."""
        return self.rate if self.rate is not None else self.value

    @property
    def chart_text(self) -> str:
        """The figure written next to its bar or point, in the active language."""
        if self.rate is not None:
            return grouped(self.rate)
        return str(self)

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
    #: the day the figures are shown for: decides which school year is still running
    today: date
    #: pupils of the scope's and of the comparison's schools (today's enrolment)
    pupils: int = 0
    comparison_pupils: int = 0
    #: per indicator: (indicator, now, baseline, comparison now, comparison baseline)
    summary: list[tuple[Indicator, Cell, Cell, Cell, Cell]] = field(default_factory=list)
    #: per indicator: (indicator, [pilot cell per year oldest first], [comparison cell per year])
    trend: list[tuple[Indicator, list[Cell], list[Cell]]] = field(default_factory=list)
    #: (group name, [cell per indicator, in the order of INDICATORS]) for the breakdown per school or wijk
    groups: list[tuple[str, list[Cell]]] = field(default_factory=list)
    #: when the worker last recomputed the monthly rollup the figures rest on (None: not yet)
    refreshed_at: Any = None
    #: school year -> its FrozenYear, for the years shown that are frozen (their figures are the published ones)
    frozen: dict[int, FrozenYear] = field(default_factory=dict)
    #: the current restatements of the scope's schools in the selected year (rollup.current_restatements)
    restatements: list[Restatement] = field(default_factory=list)

    @property
    def title(self) -> str:
        return self.pilot.name if self.pilot else _("The whole city")

    def label(self, year: SchoolYear) -> str:
        """The school year as shown: marked when it is still running (`year_label`)."""
        return year_label(year, self.today)

    @property
    def year_label(self) -> str:
        return self.label(self.year)

    @property
    def running_until(self) -> date | None:
        """The selected school year is still running up to this day (None: it is over)."""
        return running_until(self.year, self.today)

    @property
    def year_labels(self) -> list[str]:
        return [self.label(y) for y in self.years]

    @property
    def size_text(self) -> str:
        """'8 scholen, 1.234 leerlingen': the size of the scope (in the active language)."""
        return size_text(self.schools, self.pupils)

    @property
    def comparison_size_text(self) -> str:
        """The size of the comparison, e.g. '75 scholen, 20.512 leerlingen'."""
        return size_text(self.comparison_schools, self.comparison_pupils)


def size_text(schools: int, pupils: int) -> str:
    """'1 school, 1 leerling' / '8 scholen, 1.234 leerlingen': singular and plural by ngettext, thousands grouped."""
    return "{}, {}".format(
        ngettext("%(n)s school", "%(n)s schools", schools) % {"n": grouped(schools)},
        ngettext("%(n)s pupil", "%(n)s pupils", pupils) % {"n": grouped(pupils)},
    )


def pupils_of(schools: frozenset[int]) -> int:
    """The pupils enrolled today at these schools (the denominator the indicators use as well)."""
    return Child.objects.filter(school_id__in=list(schools), anonymised_at__isnull=True).count()


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
    today: date,
    compare: str = CITY,
    breakdown: str = "",
) -> Monitoring:
    """Everything the dashboard and the report show for one selection. `compare` is CITY or "wijk:<id>";
    `today` (the caller's local date, never read from the clock here) decides the five school years shown and
    which of them is still running."""
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
    shown = school_years(today)
    baseline = SchoolYear(pilot.start_year - 1) if pilot else shown[-1]
    years = sorted({*shown, year, baseline}, key=lambda y: y.start_year)
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

    restated_grid = _restated(scopes, years, in_scope | comparison)

    def cell(name: str, y: SchoolYear, key: str) -> Cell:
        shown = Cell.of(grid[(name, y)][key], min_cell, BY_KEY[key])
        if restated_grid is not None and (name, y) in restated_grid:
            corrected = Cell.of(restated_grid[(name, y)][key], min_cell, BY_KEY[key])
            if corrected != shown:
                return replace(shown, restated=corrected)
        return shown

    trend_years = [y for y in years if y in shown]
    result = Monitoring(
        pilot,
        year,
        baseline,
        trend_years,
        compare,
        compare_label,
        breakdown,
        len(in_scope),
        len(comparison),
        today=today,
        pupils=pupils_of(in_scope),
        comparison_pupils=pupils_of(comparison),
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
    result.frozen = {f.school_year: f for f in FrozenYear.objects.filter(school_year__in=[y.start_year for y in years])}
    result.restatements = current_restatements(in_scope, [year.start_year])
    result.groups = [(label, [cell(name, year, i.key) for i in INDICATORS]) for name, label in groups.items()]
    return result


#: what a restated rollup fact counts, as the restatements table names it
FACT_LABELS = {
    "goals": gettext_lazy("goal scores (sum of scores / number)"),
    "helps": gettext_lazy("answers 'the help helps' (sum / number)"),
    "wellbeing": gettext_lazy("answers on wellbeing (sum / number)"),
    "solved": gettext_lazy("closed cases (solved within school / all)"),
    "brought_in": gettext_lazy("help requests (brought in / all)"),
    "drop_out": gettext_lazy("early school leavers (children / moves)"),
    "down": gettext_lazy("moves to a lower level (children / moves)"),
}
#: why a school-month was refreshed (rollup.mark_dirty's reasons)
REASON_LABELS = {
    "absence import": gettext_lazy("absence import"),
    "plan evaluation": gettext_lazy("plan evaluation"),
    "feedback answer": gettext_lazy("questionnaire answer"),
    "case change": gettext_lazy("case changed"),
    "case status": gettext_lazy("case changed"),
    "help request": gettext_lazy("help request"),
    "school move": gettext_lazy("school move"),
    "school change": gettext_lazy("child changed school"),
}


def restatement_rows(restatements: list[Restatement]) -> list[dict[str, Any]]:
    """The restatements as the page's table shows them: school, month, what was counted, published and corrected
    figure (total / count), why and when. A restatement per school and month is finer than any figure the dashboard
    shows, so when either count rests on 1 up to RONDOM_MONITORING_MIN_CELL minus one (cases, goal scores,
    absence records) both figures are withheld (`withheld_text`), as every other figure on the page is."""
    min_cell = settings.RONDOM_MONITORING_MIN_CELL
    rows = []
    for r in restatements:
        few = any(0 < count < min_cell for count in (r.published_count, r.corrected_count))
        if r.fact.startswith(ABSENCE_PREFIX):
            kind = r.fact[len(ABSENCE_PREFIX) :]
            label = _("absence in minutes: %(kind)s (minutes / records)") % {
                "kind": AbsenceKind(kind).label if kind in AbsenceKind.values else kind
            }
        else:
            label = str(FACT_LABELS.get(r.fact, r.fact))
        rows.append(
            {
                "school": r.school.name,
                "month": r.month,
                "fact": label,
                "published": withheld_text() if few else f"{grouped(r.published_total)} / {grouped(r.published_count)}",
                "corrected": withheld_text() if few else f"{grouped(r.corrected_total)} / {grouped(r.corrected_count)}",
                "reason": str(REASON_LABELS.get(r.reason, r.reason)),
                "recorded_at": r.recorded_at,
            }
        )
    return rows


def _restated(
    scopes: Mapping[str, Scope], years: list[SchoolYear], schools: frozenset[int]
) -> dict[tuple[str, SchoolYear], dict[str, Figure]] | None:
    """The figures with the restatements applied, for the frozen years among `years` that have any in these
    schools; None when there is nothing restated (the usual case: one small query)."""
    restated = {r.school_year for r in current_restatements(schools, [y.start_year for y in years])}
    wanted = [y for y in years if y.start_year in restated]
    return compute_grid(scopes, wanted, restated=True) if wanted else None


# --- tables for download: the same rows as on the page --------------------------------------------------------


def summary_table(m: Monitoring) -> tuple[list[str], list[list[Any]]]:
    header = [
        _("Indicator"),
        _("Description"),
        _("Unit"),
        f"{m.title} {m.year_label}",
        f"{m.title} {m.baseline} ({_('baseline')})",
        f"{_('Comparison')} {m.year_label}",
        f"{_('Comparison')} {m.baseline} ({_('baseline')})",
        f"{m.title} {m.year_label} {_('per 100 pupils')}",
        f"{_('Comparison')} {m.year_label} {_('per 100 pupils')}",
    ]
    rows = [
        [i.key, i.description, i.unit, *(c.export() for c in cells), cells[0].rate, cells[2].rate]
        for i, *cells in m.summary
    ]
    return header, rows


def trend_table(m: Monitoring) -> tuple[list[str], list[list[Any]]]:
    header = [_("Indicator"), _("Unit")]
    header += [f"{m.title} {m.label(y)}" for y in m.years] + [f"{_('Comparison')} {m.label(y)}" for y in m.years]
    rows = [[i.key, i.unit, *(c.export() for c in mine), *(c.export() for c in theirs)] for i, mine, theirs in m.trend]
    return header, rows


def breakdown_table(m: Monitoring) -> tuple[list[str], list[list[Any]]]:
    header = [_("School") if m.breakdown == "school" else _("Wijk")] + [i.key for i in INDICATORS]
    rows = [[label, *(c.export() for c in cells)] for label, cells in m.groups]
    return header, rows


TABLES = {"summary": summary_table, "trend": trend_table, "breakdown": breakdown_table}


# --- charts: the data a chart draws, as plain JSON values ----------------------------------------------------------
#
# The dashboard hands these to Chart.js with `json_script` (machine numbers with a decimal point, never localised);
# every text a chart writes (the figure next to a bar or point, the withheld marker, the labels) is made here by
# Django's l10n in the active language, so the browser formats nothing itself. The PDF report draws the same data.


def _number(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


def _series(name: str, cells: list[Cell]) -> dict[str, Any]:
    """One line or one colour of bars: the machine values (a rate for a count of children), the texts written next
    to them, and which are withheld (drawn as a marker, never as zero)."""
    return {
        "name": name,
        "values": [_number(c.chart_value) for c in cells],
        "texts": [c.chart_text for c in cells],
        "withheld": [c.withheld for c in cells],
    }


def chart_unit(indicator: Indicator) -> str:
    """The unit a chart shows for an indicator: a count of children is drawn per 100 pupils."""
    return _("children per 100 pupils") if indicator.is_count else indicator.unit


def bar_chart(m: Monitoring) -> dict[str, Any]:
    """Per indicator two bars (scope, comparison) in the selected school year. The indicators have different units,
    so each pair is drawn on its own scale, 0 to 100 for the larger of the two (`scaled`); the real figure is
    written next to every bar (`texts`). Shape: {"labels": [str], "series": [{name, values, texts, withheld,
    scaled}] (scope first), "withheld": "afgeschermd (<5)", "missing": "geen gegevens"}; a label is its
    lines (name, unit)."""
    labels: list[list[str]] = []
    pairs: list[tuple[Cell, Cell]] = []
    for i, now, _base, other, _other_base in m.summary:
        labels.append([i.label, f"({chart_unit(i)})"])  # two lines: narrow enough for a phone
        pairs.append((now, other))
    series = [_series(m.title, [a for a, _b in pairs]), _series(m.compare_label, [b for _a, b in pairs])]
    for s in series:
        s["scaled"] = []
    for a, b in pairs:
        values = [c.chart_value for c in (a, b)]
        top = max((v for v in values if v is not None), default=Decimal(0))
        for s, v in zip(series, values, strict=True):
            s["scaled"].append(None if v is None else (round(float(v) * 100 / float(top), 2) if top else 0.0))
    return {"labels": labels, "series": series, "withheld": withheld_text(), "missing": _("no data")}


def line_chart(m: Monitoring, key: str) -> dict[str, Any]:
    """One indicator over the school years: the scope and the comparison, each point with its figure written next
    to it; a school year still running is labelled so. Shape: {"title", "unit", "labels": [[line, ...] per
    year], "series": [{name, values, texts, withheld}], "withheld", "missing"}."""
    indicator, mine, theirs = next((r for r in m.trend if r[0].key == key), m.trend[0])
    labels = []
    for y in m.years:
        until = running_until(y, m.today)
        labels.append(
            [str(y)]
            if until is None
            else [str(y), _("running, up to %(month)s") % {"month": formats.date_format(until, "F")}]
        )
    return {
        "title": indicator.description,
        "unit": chart_unit(indicator),
        "labels": labels,
        "series": [_series(m.title, mine), _series(m.compare_label, theirs)],
        "withheld": withheld_text(),
        "missing": _("no data"),
    }
