"""Demo funding data: each pilot's population budget (nulmeting per party, agreed shrink, participants and their
commitments), the spending of the pilot years that have passed, a few texts for the accountability report, and this
school year's allocation of school social work, computed by the gemeente and awaiting Bloz's advice. Idempotent."""

from __future__ import annotations

import random
from decimal import Decimal

from django.db import transaction

from rondom.accounts.models import User
from rondom.core.schoolyear import SchoolYear
from rondom.funding import budget, rounds, services
from rondom.funding.models import AllocationRound, Pilot, Werkplan
from rondom.monitoring.models import ReportText
from rondom.registry.models import Municipality

#: Current spending per party (euro a year) by kind of pilot: the nulmeting.
BASELINES = {
    "area": {"Gemeente Zwolle": "980000.00", "Samenwerkingsverband": "190000.00", "Schoolbesturen (Bloz)": "80000.00"},
    "special_education": {"Gemeente Zwolle": "1650000.00", "Samenwerkingsverband": "750000.00"},
    "specific_care": {"Gemeente Zwolle": "720000.00", "Schoolbesturen (Bloz)": "260000.00"},
}
PARTICIPANTS = [
    {"party": "Gemeente Zwolle", "commitment": "Brengt jeugdhulp en het wijkteam de school in; betaalt mee."},
    {"party": "Samenwerkingsverband", "commitment": "Zet ondersteuningsmiddelen in binnen de proeftuin."},
    {"party": "Schoolbesturen (Bloz)", "commitment": "Geven ruimte in school en maken tijd vrij voor overleg."},
]
TEXTS = [
    (
        "professional",
        "Intern begeleider, De Esch",
        "We halen de hulp nu de school in. Ouders hoeven niet meer te wachten op een verwijzing.",
    ),
    ("parent", "Een moeder uit Zwolle-Noord", "De hulp kwam naar school. Mijn zoon hoefde er niet voor weg."),
    ("commissioner", "Stuurgroep", "Minder thuiszitters in de proeftuin; de wachttijd moet nog korter."),
]


def generate(rng: random.Random) -> dict[str, int]:
    counts = {"pilot_budgets": 0, "report_texts": 0, "allocation_rounds": 0, "werkplans": 0}
    officer = User.objects.filter(username="beleid").first()
    year = SchoolYear.current()
    with transaction.atomic():
        for pilot in Pilot.objects.order_by("pk"):
            if pilot.baseline:
                continue
            pilot.baseline = BASELINES.get(pilot.kind, BASELINES["area"])
            pilot.shrink_percent = Decimal("2.00")
            pilot.participants = pilot.participants or PARTICIPANTS
            passed = range(1, min(pilot.years, year.start_year - pilot.start_year) + 1)  # finished pilot years
            planned = budget.pilot_trajectory(pilot)
            pilot.actual = pilot.actual or {
                str(n): str((planned[n].budget * Decimal(str(rng.uniform(0.97, 1.03)))).quantize(Decimal("0.01")))
                for n in passed
            }
            pilot.save(update_fields=["baseline", "shrink_percent", "participants", "actual"])
            counts["pilot_budgets"] += 1
        area = Pilot.objects.filter(kind=Pilot.Kind.AREA).first()
        last_year = str(type(year)(year.start_year - 1))
        if area is not None and not ReportText.objects.filter(pilot=area).exists():
            for perspective, signed_as, text in TEXTS:
                ReportText.objects.create(
                    pilot=area,
                    school_year=last_year,
                    perspective=perspective,
                    signed_as=signed_as,
                    text=text,
                    written_by=officer,
                )
                counts["report_texts"] += 1
        ib = User.objects.filter(username="ib").first()
        school = ib.memberships.filter(role="intern_begeleider").first() if ib else None
        if school is not None and not Werkplan.objects.exists():
            services.write(
                ib,  # type: ignore[arg-type]
                school.organisation,
                str(year),
                "Schoolmaatschappelijk werk houdt elke dinsdag spreekuur voor ouders en leerlingen, geeft twee "
                "groepstrainingen sociale vaardigheden (groep 6 en 7) en schuift aan bij elk ondersteuningsteam.",
            )
            services.approve(ib, Werkplan.objects.get())  # type: ignore[arg-type]
            counts["werkplans"] = 1
        zwolle = Municipality.objects.filter(cbs_code="GM0193").first()
        if (
            officer is not None
            and zwolle is not None
            and not AllocationRound.objects.filter(municipality=zwolle).exists()
        ):
            rules = rounds.rules_from_percentages(
                base_hours=Decimal(4),
                maatwerk_hours=Decimal(120),
                weights_percent={
                    "pupils": Decimal(40),
                    "open_cases": Decimal(20),
                    "thuiszitters": Decimal(20),
                    "absence_hours": Decimal(20),
                },
                rate=Decimal("72.50"),
                weeks=40,
                school_share_percent=Decimal(50),
                regional_split=True,
                municipality="Zwolle",
            )
            rounds.compute(officer, zwolle, year, rules)
            counts["allocation_rounds"] += 1
    return counts
