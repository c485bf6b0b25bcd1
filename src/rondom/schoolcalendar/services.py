"""Which days count: working days (for deadlines) and school days (for absence protocols).

- A *working day* is Monday to Friday and not a Dutch public holiday. The public holidays are those of the Algemene
  termijnenwet (art. 3), from the maintained `holidays` library: Nieuwjaarsdag, Tweede Paasdag, Koningsdag
  (27 April, or Saturday 26 April when the 27th is a Sunday), Hemelvaartsdag, Tweede Pinksterdag and both
  Christmas days. Goede Vrijdag is not one (it is not in the Atw; the library lists it, we drop it). Bevrijdingsdag
  (5 May) follows the setting `LIBERATION_DAY_WORK`, as CAOs differ: "yearly", "lustrum" (2025, 2030, ...) or
  "never".
- A *school day* is a working day by the same rules (Bevrijdingsdag per `LIBERATION_DAY_SCHOOL`) that lies outside
  the school holidays of the school's region (`SchoolHoliday`, loaded by the functioneel beheerder).

See docs/calendar.md.
"""

from __future__ import annotations

from datetime import date, timedelta
from functools import lru_cache

import holidays
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from .models import Region, SchoolHoliday

LIBERATION_DAY_RULES = ("yearly", "lustrum", "never")
NOT_IN_THE_ATW = {"Goede vrijdag"}


def _liberation_rule(rule: str | None, setting: str) -> str:
    rule = rule or getattr(settings, setting, "lustrum")
    if rule not in LIBERATION_DAY_RULES:
        raise ImproperlyConfigured(f"{setting} must be one of {', '.join(LIBERATION_DAY_RULES)}, not {rule!r}")
    return rule


@lru_cache(maxsize=256)
def _public_holidays_of(year: int, liberation_day: str) -> dict[date, str]:
    found = {
        day: name
        for day, name in holidays.NL(years=year, language="nl").items()
        if name not in NOT_IN_THE_ATW and not (day.month == 5 and day.day == 5)
    }
    # Bevrijdingsdag: since 1990 a national day off every fifth year; many CAOs make it every year.
    if liberation_day == "yearly" or (liberation_day == "lustrum" and year >= 1990 and year % 5 == 0):
        found[date(year, 5, 5)] = "Bevrijdingsdag"
    return found


def public_holidays(year: int, *, liberation_day: str | None = None) -> dict[date, str]:
    """The public holidays of `year` that are no working day, as {date: Dutch name}; Sundays among them included
    (Eerste Paasdag, Eerste Pinksterdag). `liberation_day` ("yearly" | "lustrum" | "never") overrides the setting
    LIBERATION_DAY_WORK. Raises ImproperlyConfigured for an unknown rule. Source: Algemene termijnenwet art. 3,
    through the `holidays` library."""
    return dict(_public_holidays_of(year, _liberation_rule(liberation_day, "LIBERATION_DAY_WORK")))


def is_working_day(day: date, *, liberation_day: str | None = None) -> bool:
    """Monday to Friday and not a public holiday (see `public_holidays`)."""
    rule = _liberation_rule(liberation_day, "LIBERATION_DAY_WORK")
    return day.weekday() < 5 and day not in _public_holidays_of(day.year, rule)


def add_working_days(start: date, days: int, *, liberation_day: str | None = None) -> date:
    """The date `days` working days after `start` (start itself does not count; 0 gives `start`). Weekends and
    public holidays are skipped, e.g. Thursday 2 April 2026 + 5 = Friday 10 April 2026 (Tweede Paasdag skipped).
    Raises ValueError for a negative number of days."""
    if days < 0:
        raise ValueError("days must be 0 or more")
    rule = _liberation_rule(liberation_day, "LIBERATION_DAY_WORK")
    current = start
    while days > 0:
        current += timedelta(days=1)
        if current.weekday() < 5 and current not in _public_holidays_of(current.year, rule):
            days -= 1
    return current


def region_of(school: object | None) -> str:
    """The school-holiday region of a school (an Organisation): its own `holiday_region`, else the setting
    SCHOOL_HOLIDAY_REGION (default "noord": Zwolle and all of Overijssel)."""
    return region_named(getattr(school, "holiday_region", "") if school is not None else "")


def region_named(own: str) -> str:
    """`own` (a school's `holiday_region`) when set, else the setting SCHOOL_HOLIDAY_REGION. Raises
    ImproperlyConfigured when the setting is not noord, midden or zuid."""
    region = own or getattr(settings, "SCHOOL_HOLIDAY_REGION", Region.NOORD)
    if region not in Region.values:
        raise ImproperlyConfigured(f"SCHOOL_HOLIDAY_REGION must be one of {', '.join(Region.values)}, not {region!r}")
    return str(region)


def school_holiday_days(first: date, last: date, region: str) -> set[date]:
    """Every day from `first` to `last` (inclusive) that lies in a loaded school holiday of `region`."""
    days: set[date] = set()
    rows = SchoolHoliday.objects.filter(region=region, first_day__lte=last, last_day__gte=first)
    for start, end in rows.values_list("first_day", "last_day"):
        day = max(start, first)
        while day <= min(end, last):
            days.add(day)
            day += timedelta(days=1)
    return days


def school_days(first: date, last: date, region: str, *, liberation_day: str | None = None) -> list[date]:
    """The school days from `first` to `last` (both inclusive) in `region`, in order: working days (Bevrijdingsdag
    per LIBERATION_DAY_SCHOOL unless `liberation_day` is given) outside the region's school holidays. One query."""
    rule = _liberation_rule(liberation_day, "LIBERATION_DAY_SCHOOL")
    off = school_holiday_days(first, last, region)
    found: list[date] = []
    day = first
    while day <= last:
        if day.weekday() < 5 and day not in off and day not in _public_holidays_of(day.year, rule):
            found.append(day)
        day += timedelta(days=1)
    return found


def is_school_day(day: date, region: str, *, liberation_day: str | None = None) -> bool:
    """Whether `day` is a school day in `region` (see `school_days`)."""
    return bool(school_days(day, day, region, liberation_day=liberation_day))


def school_days_between(first: date, last: date, region: str, *, liberation_day: str | None = None) -> int:
    """The number of school days from `first` to `last`, both inclusive (0 when `last` is before `first`)."""
    return len(school_days(first, last, region, liberation_day=liberation_day))
