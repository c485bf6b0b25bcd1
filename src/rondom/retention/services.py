"""Apply retention: delete or anonymise what is due, all-or-nothing, every removal in the access log."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import TypeVar

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from rondom.access import log, policy
from rondom.access.models import AccessGrant, EmergencyAccess, TeamMembership
from rondom.access.policy import Decision
from rondom.cases.models import Case, HelpRequest, Plan, Signal
from rondom.consent.models import Consent, ConsentGiver
from rondom.core.categories import Action, DataCategory
from rondom.monitoring.rollup import mark_before_retention
from rondom.registry.models import Child, ChildNote, Guardianship

from .policies import POLICIES

T = TypeVar("T")

#: Ids per `pk IN (...)` statement: stays far below the bind-parameter limits of SQLite and PostgreSQL.
CHUNK = 1000


def _chunks(items: Sequence[T], size: int = CHUNK) -> Iterator[Sequence[T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _years_before(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def _end_of(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.max))


def due(today: date | None = None) -> dict[str, QuerySet]:
    """What is due per record type, on `today`."""
    today = today or timezone.localdate()
    years = settings.RETENTION_YEARS

    def cutoff(record_type: str) -> date:
        return _years_before(today, years[record_type])

    notes = ChildNote.objects.all()
    result: dict[str, QuerySet] = {
        "note.youth_care": notes.filter(
            category=DataCategory.YOUTH_CARE, child__youth_care_ended_on__lte=cutoff("note.youth_care")
        ),
        "note.health": notes.filter(category=DataCategory.HEALTH, updated_at__lte=_end_of(cutoff("note.health"))),
        "note.support": notes.filter(category=DataCategory.SUPPORT, updated_at__lte=_end_of(cutoff("note.support"))),
        "note.absence": notes.filter(category=DataCategory.ABSENCE, updated_at__lte=_end_of(cutoff("note.absence"))),
        # A consent ends at its withdrawal or at `valid_until`, whichever comes first; one still in force never is.
        "consent": Consent.objects.filter(
            Q(withdrawn_at__lte=_end_of(cutoff("consent"))) | Q(valid_until__lte=cutoff("consent"))
        ),
    }
    child_cut = cutoff("child")
    # Due once the child left school N years ago and, if there was youth care, that ended N years ago too.
    result["child"] = (
        Child.objects.filter(anonymised_at__isnull=True, left_school_on__lte=child_cut)
        .filter(Q(youth_care_ended_on__isnull=True) | Q(youth_care_ended_on__lte=child_cut))
        .exclude(Exists(ChildNote.objects.filter(child=OuterRef("pk"))))
    )
    return result


@dataclass
class RetentionReport:
    dry_run: bool
    counts: dict[str, int] = field(default_factory=dict)

    def lines(self) -> list[str]:
        verb = "would" if self.dry_run else "did"
        return [f"{p.record_type:<16} {self.counts.get(p.record_type, 0):>6}  {p.action} ({verb})" for p in POLICIES]


def _decision(record_type: str, action: str, category: str) -> Decision:
    """The retention job's ground: the named system rule, ref `rule:retention:<record type>`."""
    return policy.system_decision("retention", action, category, detail=record_type)


def apply_retention(*, dry_run: bool, today: date | None = None) -> RetentionReport:
    """Delete or anonymise everything due, in one transaction. A dry run does the same work and rolls it back,
    so its counts are exactly what applying would do (children whose last notes go now are counted too)."""
    report = RetentionReport(dry_run, {p.record_type: 0 for p in POLICIES})
    with transaction.atomic():
        for record_type, queryset in due(today).items():
            if record_type == "child":
                continue  # children become due once their notes are gone: handled below
            rows = list(queryset.values_list("pk", "child_id"))
            report.counts[record_type] = len(rows)
            if rows:
                _delete(record_type, rows)
        children = list(due(today)["child"])
        report.counts["child"] = len(children)
        if children:
            _anonymise(children)
        if dry_run:
            transaction.set_rollback(True)
    return report


def _delete(record_type: str, rows: list[tuple[int, int]]) -> None:
    ids = [pk for pk, _child in rows]
    if record_type.startswith("note."):
        category = record_type.split(".", 1)[1]
        log.log_many(
            None,
            _decision(record_type, Action.DELETE, category),
            [log.LogItem(child_id, "note", str(pk)) for pk, child_id in rows],
        )
        for chunk in _chunks(ids):
            ChildNote.objects.filter(pk__in=chunk).delete()
        return
    log.log_many(
        None,
        _decision(record_type, Action.DELETE, DataCategory.SUPPORT),
        [log.LogItem(child_id, "consent", str(pk)) for pk, child_id in rows],
    )
    for chunk in _chunks(ids):
        _delete_consents(chunk)


def _delete_consents(ids: Sequence[int]) -> None:
    """Grants and team seats that rested on these consents have ended; nothing may point at a deleted consent."""
    HelpRequest.objects.filter(consent_id__in=ids).update(consent=None)
    AccessGrant.objects.filter(consent_id__in=ids).delete()
    TeamMembership.objects.filter(consent_id__in=ids).delete()
    ConsentGiver.objects.filter(consent_id__in=ids).delete()
    Consent.objects.filter(pk__in=ids).delete()


def _anonymise(children: list[Child]) -> None:
    log.log_many(
        None,
        _decision("child", Action.UPDATE, DataCategory.IDENTITY),
        [log.LogItem(c.pk, "child", str(c.pk)) for c in children],
    )
    now = timezone.now()
    for chunk in _chunks(children):
        _anonymise_chunk(chunk, now)


def _anonymise_chunk(children: Sequence[Child], now: datetime) -> None:
    ids = [c.pk for c in children]
    consents = list(Consent.objects.filter(child_id__in=ids).values_list("pk", "child_id"))
    cases = list(Case.objects.filter(child_id__in=ids).values_list("pk", "child_id"))
    log.log_many(
        None,
        _decision("child", Action.DELETE, DataCategory.SUPPORT),
        [log.LogItem(child_id, "consent", str(pk)) for pk, child_id in consents]
        + [log.LogItem(child_id, "case", str(pk)) for pk, child_id in cases],
    )
    # The monitoring's rollups: the school-months these facts count in are refreshed (not those of frozen years).
    mark_before_retention(ids)
    # The casework goes with the name: signals, cases (with history, agenda items, requests), the plan.
    HelpRequest.objects.filter(case__child_id__in=ids).delete()
    Case.objects.filter(child_id__in=ids).update(status=None)  # the pointer to the latest step, then all steps
    Case.objects.filter(child_id__in=ids).delete()
    Signal.objects.filter(child_id__in=ids).delete()
    Plan.objects.filter(child_id__in=ids).delete()
    # What links the child to people goes; counts for monitoring (year of birth, school, wijk) remain.
    _delete_consents([pk for pk, _child in consents])
    TeamMembership.objects.filter(child_id__in=ids).delete()
    AccessGrant.objects.filter(child_id__in=ids).delete()
    EmergencyAccess.objects.filter(child_id__in=ids).delete()
    Guardianship.objects.filter(child_id__in=ids).delete()
    for child in children:
        child.given_name, child.family_name, child.group = "Geanonimiseerd", "", ""
        child.date_of_birth = child.date_of_birth.replace(month=1, day=1)
        child.set_bsn("")
        child.youth_account = None
        child.anonymised_at = child.updated_at = now
        child.search_name = ""  # no name left to find (docs/search.md)
    Child.objects.bulk_update(children, _ANONYMISED_FIELDS)


_ANONYMISED_FIELDS = [
    "given_name",
    "family_name",
    "group",
    "date_of_birth",
    "bsn_encrypted",
    "bsn_index",
    "youth_account",
    "anonymised_at",
    "updated_at",
    "search_name",
]
