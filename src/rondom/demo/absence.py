"""Demo absence: a column mapping for De Esch, BSNs for its demo pupils and a sample export to try the import with;
with the Zwolle population also absence for a few hundred pupils, thuiszitters on every rung of the ladder, a
visit, an interim arrangement and a decision. Idempotent: runs once per database."""

from __future__ import annotations

import random
from datetime import date, timedelta
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from rondom.accounts.models import Organisation, User
from rondom.attendance.models import AbsenceRecord, ColumnMapping
from rondom.funding.models import Pilot
from rondom.registry.bsn import is_valid_bsn
from rondom.registry.models import Child, Wijk
from rondom.schoolcalendar import services as calendar
from rondom.thuiszitters import services as ladder
from rondom.thuiszitters.models import Reason, Thuiszitter

MAPPING = "ParnasSys (De Esch)"
KIND_CODES = {"O": "unauthorised", "G": "authorised", "Z": "sick", "L": "late", "V": "exemption"}
#: BSNs of the demo pupils of De Esch (valid by the elfproef, made up).
DEMO_BSNS = {"Daan": "100000009", "Emma": "100000071"}


def sample_file() -> Path:
    return Path(settings.VAR_DIR) / "demo" / "verzuim-de-esch.csv"


def school_days(until: date, count: int) -> list[date]:
    """The last `count` school days up to and including `until`, in order, in the region of the demo's schools
    (Zwolle: regio noord): weekends, public holidays and school holidays skipped, so a long run of absence stays
    one run whatever day the demo is built on."""
    first = until - timedelta(days=count * 2 + 90)  # room for the weekends and a summer holiday
    return calendar.school_days(first, until, calendar.region_named(""))[-count:]


def generate(rng: random.Random, today: date | None = None) -> dict[str, int]:
    today = today or timezone.localdate()
    esch = Organisation.objects.filter(brin="12AB", vestiging="00").first()
    if esch is None or ColumnMapping.objects.filter(name=MAPPING).exists():
        return {}
    counts: dict[str, int] = {}
    with transaction.atomic():
        ColumnMapping.objects.create(
            owner=esch,
            name=MAPPING,
            school_system="ParnasSys",
            bsn_column="BSN",
            date_column="Datum",
            kind_column="Soort",
            hours_column="Uren",
            lesson_hour_column="Lesuur",
            kind_codes=KIND_CODES,
        )
        for given_name, bsn in DEMO_BSNS.items():
            assert is_valid_bsn(bsn)
            child = Child.objects.filter(given_name=given_name, school=esch, bsn_index="").first()
            if child is not None:
                child.set_bsn(bsn)
                child.save()
        _write_sample(today)
        _pilots(esch)
        counts.update(_population(rng, today))
    return counts


def _pilots(esch: Organisation) -> None:
    """The pilots' schools: De Esch and the Kempis in Samen in de wijk (Zwolle-Noord); eight schools in the
    specific-care pilot."""
    area = Pilot.objects.filter(kind=Pilot.Kind.AREA).first()
    if area is not None:
        area.area = Wijk.objects.filter(name="Zwolle-Noord").first()
        area.save(update_fields=["area"])
        area.schools.add(*Organisation.objects.filter(brin__in=["12AB", "34CD"]))
    care = Pilot.objects.filter(kind=Pilot.Kind.SPECIFIC_CARE).first()
    if care is not None:
        care.schools.add(*Organisation.objects.filter(kind="school", school_type="po").order_by("pk")[:8])


def _write_sample(today: date) -> None:
    """A week of Emma's absence in ParnasSys layout, to try the import with (the README points to it)."""
    path = sample_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = ["BSN;Datum;Soort;Uren;Lesuur"]
    for i, day in enumerate(school_days(today - timedelta(days=1), 5)):
        lines.append(f"{DEMO_BSNS['Emma']};{day:%d-%m-%Y};{'Z' if i < 2 else 'O'};;{i + 1}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def _population(rng: random.Random, today: date) -> dict[str, int]:
    """Absence and thuiszitters among the generated Zwolle pupils (none with --small)."""
    pupils = list(
        Child.objects.filter(school__isnull=False, bsn_index__gt="", home_municipality__name="Zwolle")
        .order_by("pk")
        .values_list("pk", "school_id")[:20000]
    )
    if len(pupils) < 500:
        return {}
    chosen = rng.sample(pupils, 400)
    rows = []
    for child_id, school_id in chosen[:370]:
        for day in rng.sample(school_days(today - timedelta(days=1), 40), rng.randint(1, 6)):
            kind = rng.choices(["sick", "unauthorised", "authorised", "late"], [6, 2, 2, 1])[0]
            rows.append(
                AbsenceRecord(
                    child_id=child_id, school_id=school_id, date=day, kind=kind, minutes=rng.choice([60, 120, 300])
                )
            )
    at_home = chosen[370:]
    for child_id, school_id in at_home:  # long runs: the protocols register these as relative thuiszitters
        for day in school_days(today - timedelta(days=1), rng.randint(22, 60)):
            rows.append(
                AbsenceRecord(
                    child_id=child_id,
                    school_id=school_id,
                    date=day,
                    kind=rng.choice(["sick", "unauthorised", "authorised"]),
                    minutes=330,
                )
            )
    AbsenceRecord.objects.bulk_create(rows, batch_size=2000)
    signals = ladder.evaluate_and_register(today)
    # Some periods started long ago: put them back to their start, so the worker's pass climbs the ladder.
    periods = list(Thuiszitter.objects.filter(ended_on__isnull=True).select_related("child"))
    for i, period in enumerate(periods):
        if i % 3 == 0:
            steps = period.steps.all()
            registered = period.started_on + timedelta(days=28)
            steps.update(deadline=registered + timedelta(days=14))
            Thuiszitter.objects.filter(pk=period.pk).update(
                deadline=registered + timedelta(days=14), reason=rng.choice(Reason.values)
            )
    climbed = ladder.escalate_due(today)
    # An absolute thuiszitter (not enrolled), a visit, an interim arrangement and a decision.
    officer = User.objects.filter(username="leerplicht").first()
    unenrolled = Child.objects.filter(school__isnull=True, home_municipality__name="Zwolle").order_by("pk").first()
    if unenrolled is not None and officer is not None:
        ladder.register(
            officer, unenrolled, kind="absolute", reason=Reason.NOT_ENROLLED, started_on=today - timedelta(days=75)
        )
    open_periods = list(Thuiszitter.objects.filter(ended_on__isnull=True).select_related("child", "level"))
    if officer is not None and open_periods:
        ladder.record_visit(
            officer,
            open_periods[0],
            visited_on=today - timedelta(days=3),
            note="Huisbezoek met ouders; leerling wil graag terug naar school.",
        )
        ladder.record_interim(
            officer,
            open_periods[0],
            description="Twee ochtenden per week les thuis.",
            provided_by="Trias Jeugdhulp",
            starts_on=today,
            payment_pending_between="gemeente en samenwerkingsverband",
        )
    return {
        "absence_rows": len(rows),
        "absence_signals": len(signals),
        "thuiszitters": len(open_periods),
        "escalations": len(climbed),
    }
