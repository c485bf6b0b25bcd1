"""A small synthetic Zwolle for the demo: organisations, one login per role, a few children.

Every name is invented. Idempotent: running it again reuses what exists. The Zwolle-scale generator
comes with the case-workflow issue.
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass
from datetime import date, timedelta

from django.db import transaction
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from rondom.access.models import TeamMembership
from rondom.accounts.models import Membership, MunicipalityOrganisation, Organisation, User
from rondom.cases.models import Plan, PlanVersion, ProviderContact, SupportTeam
from rondom.consent.models import Capacity, Consent, ConsentGiver, Purpose
from rondom.core.roles import OrganisationKind as K
from rondom.core.roles import Role
from rondom.demo.goal_progress import add_goal_progress
from rondom.registry.models import Child, ChildNote, Guardianship, Municipality, Wijk

DEMO_PASSWORD = "Rondom-demo-2026"

ORGANISATIONS = [
    # key, name, kind, brin, vestiging, school type, municipality
    ("esch", "Basisschool De Esch", K.SCHOOL, "12AB", "00", "po", "Zwolle"),
    ("kempis", "Thomas a Kempis College", K.SCHOOL, "34CD", "00", "vo", "Zwolle"),
    ("bloz", "Bloz (besturen Zwolle)", K.SCHOOL_BOARD, "", "", "", "Zwolle"),
    ("swv", "Samenwerkingsverband Zwolle", K.SWV, "", "", "", "Zwolle"),
    ("gemeente", "Gemeente Zwolle", K.MUNICIPALITY, "", "", "", "Zwolle"),
    ("wijkteam", "Sociaal wijkteam Zwolle-Noord", K.WIJKTEAM, "", "", "", "Zwolle"),
    ("trias", "Trias Jeugdhulp", K.PROVIDER, "", "", "", "Zwolle"),
    ("dekern", "De Kern (schoolmaatschappelijk werk)", K.PROVIDER, "", "", "", "Zwolle"),
    ("ggd", "GGD IJsselland (JGZ)", K.GGD, "", "", "", "Zwolle"),
    ("leerplicht", "Leerplicht en RMC regio Zwolle", K.LEERPLICHT, "", "", "", "Zwolle"),
    ("windesheim", "Hogeschool Windesheim", K.KNOWLEDGE, "", "", "", "Zwolle"),
]


@dataclass(frozen=True)
class DemoLogin:
    username: str
    name: str
    role: str
    organisation: str | None  # key in ORGANISATIONS


LOGINS = [
    DemoLogin("ib", "Ingrid Bos", Role.INTERN_BEGELEIDER, "esch"),
    DemoLogin("zorgco", "Karim El Amrani", Role.ZORGCOORDINATOR, "kempis"),
    DemoLogin("leerkracht", "Lotte de Vries", Role.TEACHER, "esch"),
    DemoLogin("smw", "Sanne Mulder", Role.SCHOOL_SOCIAL_WORKER, "dekern"),
    DemoLogin("wijkteam", "Wim Jansen", Role.WIJKTEAM_WORKER, "wijkteam"),
    DemoLogin("aanbieder", "Anouk Visser", Role.PROVIDER_CONTACT, "trias"),
    DemoLogin("leerplicht", "Luuk Smit", Role.LEERPLICHT_OFFICER, "leerplicht"),
    DemoLogin("jeugdarts", "Jasmijn Kok", Role.YOUTH_DOCTOR, "ggd"),
    DemoLogin("beleid", "Bram Peters", Role.POLICY_OFFICER, "gemeente"),
    DemoLogin("bloz", "Bea Lont", Role.POLICY_OFFICER, "bloz"),
    DemoLogin("beheer", "Femke Dijkstra", Role.FUNCTIONAL_ADMIN, "esch"),
    DemoLogin("loket", "Sara Vos", Role.SWV_LOKET, "swv"),
    DemoLogin("orthopedagoog", "Olaf Meijer", Role.SWV_EXPERT, "swv"),
    DemoLogin("ouder", "Olga Hendriks", Role.PARENT, None),
    DemoLogin("jongere", "Youssef Hendriks", Role.YOUTH, None),
    DemoLogin("mila", "Mila Visser", Role.YOUTH, None),
]


def demo_totp_key(username: str) -> str:
    """A fixed TOTP secret per demo login, so `make otp USER=...` can print the current code."""
    return hashlib.sha256(f"rondom-demo-totp:{username}".encode()).hexdigest()[:40]


def totp_base32(username: str) -> str:
    return base64.b32encode(bytes.fromhex(demo_totp_key(username))).decode().rstrip("=")


def years_ago(years: int, days: int = 0, today: date | None = None) -> date:
    """The date `years` years and `days` days before `today` (default: the local date); 29 February of a leap year
    becomes 28 February in a year without one."""
    today = today or timezone.localdate()
    if today.month == 2 and today.day == 29:
        today = today - timedelta(days=1)
    return today.replace(year=today.year - years) - timedelta(days=days)


@transaction.atomic
def load(today: date | None = None) -> list[DemoLogin]:
    """The demo's organisations, logins and named children; dates are relative to `today` (default: the local
    date), so that nothing lies in the future unless it is meant to (a next evaluation)."""
    today = today or timezone.localdate()
    municipalities = {
        # Identified by the CBS code (a DUO import may already have made the municipality, under its own spelling).
        name: Municipality.objects.get_or_create(cbs_code=code, defaults={"name": name})[0]
        for name, code in [("Zwolle", "GM0193"), ("Kampen", "GM0166"), ("Dalfsen", "GM0148")]
    }
    zwolle = municipalities["Zwolle"]
    wijken = {n: Wijk.objects.get_or_create(municipality=zwolle, name=n)[0] for n in ["Zwolle-Noord", "Stadshagen"]}
    orgs: dict[str, Organisation] = {}
    for key, name, kind, brin, vestiging, school_type, mun in ORGANISATIONS:
        orgs[key], _ = Organisation.objects.get_or_create(
            name=name,
            defaults={
                "kind": kind,
                "brin": brin,
                "vestiging": vestiging,
                "school_type": school_type,
                "municipality": municipalities[mun],
            },
        )
    for key in ("leerplicht", "wijkteam", "ggd"):
        orgs[key].serves_municipalities.set(municipalities.values())
    orgs["swv"].serves_municipalities.set([zwolle])
    # Both demo schools send their requests for support and TLVs to the demo's samenwerkingsverband (rondom.swv).
    Organisation.objects.filter(pk__in=[orgs["esch"].pk, orgs["kempis"].pk]).update(samenwerkingsverband=orgs["swv"])
    # The platform administrator's configuration: Gemeente Zwolle is the gemeente of Zwolle (its authority comes from
    # this record, never from its kind; accounts.authority).
    MunicipalityOrganisation.objects.get_or_create(municipality=zwolle, defaults={"organisation": orgs["gemeente"]})

    users: dict[str, User] = {}
    for login in LOGINS:
        first, _, last = login.name.partition(" ")
        user, created = User.objects.get_or_create(
            username=login.username,
            defaults={"first_name": first, "last_name": last, "email": f"{login.username}@demo.rondom.invalid"},
        )
        if created:
            user.set_password(DEMO_PASSWORD)
            user.save()
        users[login.username] = user
        if login.organisation:
            # In the role since a year before the demo's today (not since the wall clock's: a demo built for an
            # earlier day would have roles that start after it, and the roster import would find no teacher).
            Membership.objects.get_or_create(
                user=user,
                organisation=orgs[login.organisation],
                role=login.role,
                defaults={"valid_from": today - timedelta(days=365)},
            )
            TOTPDevice.objects.get_or_create(
                user=user, name="demo", defaults={"key": demo_totp_key(login.username), "confirmed": True}
            )
    # Each provider names one contact person per school (pilot agreement); the support teams of the schools.
    aanbieder = Membership.objects.get(user=users["aanbieder"], organisation=orgs["trias"])
    smw = Membership.objects.get(user=users["smw"], organisation=orgs["dekern"])
    for school in ("esch", "kempis"):
        ProviderContact.objects.get_or_create(provider=orgs["trias"], membership=aanbieder, school=orgs[school])
        ProviderContact.objects.get_or_create(provider=orgs["dekern"], membership=smw, school=orgs[school])
        team, _ = SupportTeam.objects.get_or_create(school=orgs[school])
        team.members.add(*Membership.objects.filter(organisation=orgs[school]).exclude(role="functional_admin"), smw)
    if Child.objects.exists():
        return LOGINS

    # Children: Noor (8, De Esch) with a support team; Youssef (13, Kempis) whose mother is the demo parent.
    noor = Child.objects.create(
        given_name="Noor",
        family_name="Hendriks",
        date_of_birth=years_ago(8, 40, today),
        school=orgs["esch"],
        group="5",
        home_municipality=zwolle,
        wijk=wijken["Zwolle-Noord"],
    )
    noor.set_bsn("111222333")
    noor.save()
    youssef = Child.objects.create(
        given_name="Youssef",
        family_name="Hendriks",
        date_of_birth=years_ago(13, 100, today),
        school=orgs["kempis"],
        group="2B",
        home_municipality=zwolle,
        wijk=wijken["Zwolle-Noord"],
        youth_account=users["jongere"],
    )
    for child in (noor, youssef):
        Guardianship.objects.create(child=child, user=users["ouder"], has_authority=True)
    # Mila (16, Kempis) decides alone about her file; her mother has authority but sees it only if Mila agrees.
    mila = Child.objects.create(
        given_name="Mila",
        family_name="Visser",
        date_of_birth=years_ago(16, 60, today),
        school=orgs["kempis"],
        group="4H",
        home_municipality=zwolle,
        wijk=wijken["Zwolle-Noord"],
        youth_account=users["mila"],
    )
    mila_consent = Consent.objects.create(
        child=mila,
        purpose=Purpose.PROVIDER,
        categories=["support", "youth_care"],
        recipient=orgs["trias"],
        recorded_by=users["zorgco"],
    )
    ConsentGiver.objects.create(consent=mila_consent, capacity=Capacity.YOUTH)
    mila_goals = [
        {
            "id": "mila-1",
            "domain": "school",
            "description": "Ik haal mijn toetsen voor wiskunde",
            "target": "Een voldoende op het volgende rapport",
            "owner": "Mila",
            "support_by": "Mentor, huiswerkklas",
            "support_where": "op school",
        },
        {
            "id": "mila-2",
            "domain": "home",
            "description": "Ik slaap op tijd en ben uitgerust",
            "target": "Vier weken lang op tijd in bed",
            "owner": "Mila",
            "support_by": "Trias Jeugdhulp",
            "support_where": "thuis",
        },
    ]
    plan = Plan.objects.create(
        child=mila, content={"goals": mila_goals}, version=1, next_evaluation=today + timedelta(days=28)
    )
    PlanVersion.objects.create(
        plan=plan, number=1, content=plan.content, includes_treatment=False, saved_by=users["zorgco"]
    )
    add_goal_progress(plan, users["zorgco"], today)  # issue 16: Mila's goals measured, with points
    youssef_goals = [
        {
            "id": "youssef-1",
            "domain": "school",
            "description": "Youssef gaat elke dag naar school",
            "target": "Geen ongeoorloofd verzuim in vier weken",
            "owner": "Youssef",
            "support_by": "Mentor",
            "support_where": "op school",
        },
    ]
    youssef_plan = Plan.objects.create(
        child=youssef,
        content={"goals": youssef_goals},
        version=1,
        next_evaluation=today + timedelta(days=21),
    )
    PlanVersion.objects.create(
        plan=youssef_plan, number=1, content=youssef_plan.content, includes_treatment=False, saved_by=users["zorgco"]
    )
    for i, (given, family, school) in enumerate(
        [
            ("Daan", "Bakker", "esch"),
            ("Emma", "Meijer", "esch"),
            ("Sem", "de Boer", "kempis"),
            ("Lina", "Yilmaz", "kempis"),
        ]
    ):
        Child.objects.create(
            given_name=given,
            family_name=family,
            date_of_birth=years_ago(7 + i * 2, i * 31, today),
            school=orgs[school],
            group=str(3 + i),
            home_municipality=municipalities["Kampen" if i == 3 else "Zwolle"],
        )
    ib = Membership.objects.get(user=users["ib"])
    ChildNote.objects.create(
        child=noor,
        category="support",
        author=users["ib"],
        author_organisation=orgs["esch"],
        text="Noor is sinds de herfstvakantie stil in de klas. Gesprek met moeder gepland.",
    )
    consent = Consent.objects.create(
        child=noor,
        purpose=Purpose.SUPPORT_TEAM,
        categories=["support", "youth_care"],
        recipient=orgs["dekern"],
        recorded_by=users["ib"],
    )
    ConsentGiver.objects.create(consent=consent, capacity=Capacity.PARENT, guardianship=noor.guardianships.first())
    # The family also agreed that Trias may be brought in for Noor (erbij halen).
    trias_consent = Consent.objects.create(
        child=noor,
        purpose=Purpose.PROVIDER,
        categories=["support", "youth_care"],
        recipient=orgs["trias"],
        recorded_by=users["ib"],
    )
    ConsentGiver.objects.create(
        consent=trias_consent, capacity=Capacity.PARENT, guardianship=noor.guardianships.first()
    )
    TeamMembership.objects.create(child=noor, membership=ib, added_by=users["ib"])
    TeamMembership.objects.create(
        child=noor, membership=Membership.objects.get(user=users["smw"]), consent=consent, added_by=users["ib"]
    )
    return LOGINS
