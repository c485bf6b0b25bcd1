"""The school year, as every part of Rondom counts it (1 August up to and including 31 July)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.utils import timezone

#: The school years Rondom accepts from outside (a URL, a form, a file): any with real dates on both ends.
FIRST_YEAR, LAST_YEAR = 1900, 9998


@dataclass(frozen=True)
class SchoolYear:
    """'2026-2027': 1 August 2026 up to and including 31 July 2027."""

    start_year: int

    @classmethod
    def of(cls, day: date) -> SchoolYear:
        """The school year a day falls in."""
        return cls(day.year if day.month >= 8 else day.year - 1)

    @classmethod
    def current(cls) -> SchoolYear:
        return cls.of(timezone.localdate())

    @classmethod
    def parse(cls, text: str) -> SchoolYear:
        first, _, second = (text or "").strip().partition("-")
        if not (text or "").isascii():  # only the digits 0-9: int() reads other scripts' digits, or fails on "³"
            raise ValueError(f"not a school year: {text!r}")
        if not (len(first) == 4 and first.isdigit() and second.isdigit() and int(second) == int(first) + 1):
            raise ValueError(f"not a school year: {text!r}")
        if not FIRST_YEAR <= int(first) <= LAST_YEAR:  # 0000-0001 and 9999-10000 have no dates (a 500 before)
            raise ValueError(f"not a school year: {text!r}")
        return cls(int(first))

    @property
    def first_day(self) -> date:
        return date(self.start_year, 8, 1)

    @property
    def last_day(self) -> date:
        return date(self.start_year + 1, 7, 31)

    def __str__(self) -> str:
        return f"{self.start_year}-{self.start_year + 1}"
