"""School holidays per region and school year, as data the functioneel beheerder loads (admin or
`load_school_holidays FILE`). Public holidays are not stored: they come from the `holidays` library."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Region(models.TextChoices):
    """The three regions the Ministry of Education spreads the school holidays over (Rijksoverheid,
    "Regio-indeling schoolvakanties"); Zwolle, like all of Overijssel, is in regio noord."""

    NOORD = "noord", _("north")
    MIDDEN = "midden", _("middle")
    ZUID = "zuid", _("south")


class SchoolHoliday(models.Model):
    """One holiday (e.g. herfstvakantie) of one region in one school year: `first_day` to `last_day` inclusive,
    as published (Saturday to Sunday)."""

    school_year = models.PositiveSmallIntegerField(_("school year (starting year)"))
    region = models.CharField(_("region"), max_length=6, choices=Region.choices)
    name = models.CharField(_("name"), max_length=60)
    first_day = models.DateField(_("first day"))
    last_day = models.DateField(_("last day"))

    class Meta:
        ordering = ["region", "first_day"]
        verbose_name = _("school holiday")
        verbose_name_plural = _("school holidays")
        constraints = [
            models.UniqueConstraint(fields=["school_year", "region", "name"], name="unique_school_holiday"),
            models.CheckConstraint(condition=models.Q(last_day__gte=models.F("first_day")), name="holiday_in_order"),
        ]

    def __str__(self) -> str:
        return f"{self.name} {self.school_year}-{self.school_year + 1} ({self.region})"
