"""Beschikkingsnummers: one series per samenwerkingsverband and year, without gaps or doubles under concurrency."""

from __future__ import annotations

from django.db import transaction
from django.db.models import F

from .models import NumberCounter


def next_number(swv_id: int, year: int) -> str:
    """The next beschikkingsnummer of `swv_id` in `year`, e.g. "SWV-12-2027-0001".

    Raised atomically: the counter row is created if missing, then one `UPDATE … SET last = last + 1` (the database
    locks the row until the caller's transaction ends, so two decisions never get the same number; a rolled-back
    decision gives its number back). Call inside the decision's transaction."""
    with transaction.atomic():
        NumberCounter.objects.get_or_create(swv_id=swv_id, year=year)
        NumberCounter.objects.filter(swv_id=swv_id, year=year).update(last=F("last") + 1)
        last = NumberCounter.objects.filter(swv_id=swv_id, year=year).values_list("last", flat=True).get()
    return f"SWV-{swv_id}-{year}-{last:04d}"
