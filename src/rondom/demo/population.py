"""A synthetic Zwolle at the real scale of the sources: 30,000 youths aged 0-19, of whom 13,000 primary and
11,000 secondary pupils; about 60 primary and 12 secondary schools plus special education; Zwolle's wijken;
pupils from the surrounding municipalities; families with siblings across schools.

Every name is invented. Deterministic from the seed; idempotent (a second run writes nothing); one
transaction; bulk writes, so that `make run` stays within a minute.

Province scale (issue 17, `load_demo --scale N`): `generate_town(number)` builds a Zwolle-like municipality of the
same province next to Zwolle (`TOWN_NAMES`, invented; CBS codes GM9001.. are not real ones): its own wijken, school
boards, schools (BRINs `<50 + number>AA`..) and youths, built the same way as Zwolle. Its schools belong to the demo's
one samenwerkingsverband region and its youths to the demo's regional leerplicht bureau (as the RBL IJssel-Vecht
serves several municipalities), so an ib'er's scope stays one school while the leerplicht officer's grows with N.
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone
from tqdm import tqdm

from rondom.accounts.models import Membership, Organisation, User
from rondom.cases.models import SupportTeam
from rondom.core.roles import OrganisationKind as K
from rondom.demo import rosters
from rondom.registry import bsn as bsn_module
from rondom.registry.models import Child, Guardianship, Municipality, Wijk

MARKER = "Stichting Openbaar Onderwijs Zwolle (demo)"

ZWOLLE_WIJKEN = [
    "Binnenstad",
    "Diezerpoort",
    "Assendorp",
    "Kamperpoort-Veerallee",
    "Wipstrik",
    "Berkum",
    "Holtenbroek",
    "Aa-landen",
    "Westenholte",
    "Stadshagen",
    "Schelle",
    "Oldenelerbroek",
    "Ittersum",
    "Zwolle-Zuid",
    "Spoolde",
    "Marsweg",
]
#: Surrounding municipalities whose youths attend Zwolle's (mostly secondary and special) schools.
SURROUNDING = {
    "Kampen": "GM0166",
    "Dalfsen": "GM0148",
    "Hattem": "GM0244",
    "Heerde": "GM0246",
    "Zwartewaterland": "GM1896",
    "Staphorst": "GM0180",
    "Raalte": "GM0177",
    "Oldebroek": "GM0269",
}
BLOZ = "Bloz (besturen Zwolle)"  # data.ORGANISATIONS
BOARDS = [
    "Stichting Openbaar Onderwijs Zwolle (demo)",
    "Stichting Catent (demo)",
    "Stichting Quadraam (demo)",
    "Landstede Groep (demo)",
]
PROVIDERS = [
    "De Kern (schoolmaatschappelijk werk)",
    "MEE IJsseloevers",
    "Trias Jeugdhulp",
    "Accare",
    "Samen Veilig Midden-Nederland",
    "Ambiq",
]
FIRST = [
    "Noah",
    "Emma",
    "Sem",
    "Julia",
    "Liam",
    "Mila",
    "Lucas",
    "Tess",
    "Daan",
    "Sophie",
    "Finn",
    "Zoë",
    "Levi",
    "Nora",
    "Milan",
    "Yara",
    "Luuk",
    "Saar",
    "Bram",
    "Lotte",
    "Adam",
    "Fenna",
    "Mees",
    "Evi",
    "Jesse",
    "Liv",
    "Sara",
    "Mohammed",
    "Aya",
    "Youssef",
    "Amira",
    "Omar",
    "Ilse",
    "Thijs",
    "Roos",
    "Jens",
    "Fleur",
    "Teun",
]
LAST = [
    "de Jong",
    "Jansen",
    "de Vries",
    "van den Berg",
    "van Dijk",
    "Bakker",
    "Janssen",
    "Visser",
    "Smit",
    "Meijer",
    "de Boer",
    "Mulder",
    "de Groot",
    "Bos",
    "Vos",
    "Peters",
    "Hendriks",
    "van Leeuwen",
    "Dekker",
    "Brouwer",
    "de Wit",
    "Dijkstra",
    "Smits",
    "de Graaf",
    "van der Meer",
    "Kok",
    "Jacobs",
    "Haan",
    "Vermeulen",
    "Yilmaz",
    "El Amrani",
    "Kaya",
    "Nguyen",
    "Pranoto",
    "Wolters",
    "Klein",
    "Huisman",
    "Kuiper",
    "Post",
]
SCHOOL_NAMES = [
    "De Esch",
    "Het Mozaïek",
    "De Springplank",
    "Het Palet",
    "De Vlinder",
    "Wijde Wereld",
    "De Regenboog",
    "Het Kompas",
    "De Sterrenwacht",
    "De Boomgaard",
    "Het Anker",
    "De Toermalijn",
    "De Octopus",
    "Het Carillon",
    "De Berkenhof",
    "De Schakel",
    "Het Stadshart",
    "De Wadden",
    "De Ontdekking",
    "De Zonnewijzer",
]


#: Invented names of the province's Zwolle-like municipalities (`generate_town`); number n is TOWN_NAMES[n - 1].
TOWN_NAMES = [
    prefix + suffix
    for suffix in ("oord", "stad", "veen", "dam", "horst", "wolde", "broek")
    for prefix in ("Vecht", "Regge", "Dinkel", "Berkel", "Sallands", "Hunze", "Lemel")
]
#: The wijken of a generated town (Zwolle has its own, ZWOLLE_WIJKEN).
TOWN_WIJKEN = ["Centrum", "Noord", "Oost", "Zuid", "West", "Buitengebied", "Stationskwartier", "De Weiden"]
#: The demo's regional leerplicht bureau and samenwerkingsverband (data.ORGANISATIONS), which serve every town.
LEERPLICHT = "Leerplicht en RMC regio Zwolle"
SWV = "Samenwerkingsverband Zwolle"
#: Schools get BRINs `<prefix>AA`.. with 23 x 23 letter pairs per two-digit prefix; Zwolle has 50, town n 50 + n.
BRIN_LETTERS = [a + b for a in "ABCDEFGHJKLMNPRSTUVWXYZ" for b in "ABCDEFGHJKLMNPRSTUVWXYZ"]


@dataclass(frozen=True)
class Town:
    """One municipality the generator builds: number 0 is Zwolle, 1.. the province's Zwolle-like towns."""

    number: int
    name: str
    cbs_code: str
    wijken: tuple[str, ...]
    boards: tuple[str, ...]

    @property
    def brin_prefix(self) -> int:
        return 50 + self.number

    @property
    def marker(self) -> str:
        """The first board's name: when it exists, the town was built (idempotence)."""
        return self.boards[0]

    @classmethod
    def numbered(cls, number: int) -> Town:
        """Zwolle for 0, else the generated town `number` (1..len(TOWN_NAMES)); IndexError beyond."""
        if number == 0:
            return ZWOLLE
        if not 1 <= number <= len(TOWN_NAMES):
            raise IndexError(f"town {number}: the generator knows towns 1..{len(TOWN_NAMES)}")
        name = TOWN_NAMES[number - 1]
        boards = (f"Stichting Openbaar Onderwijs {name} (demo)", f"Stichting Christelijk Onderwijs {name} (demo)")
        return cls(number, name, f"GM9{number:03d}", tuple(TOWN_WIJKEN), boards)


ZWOLLE = Town(0, "Zwolle", "GM0193", tuple(ZWOLLE_WIJKEN), tuple(BOARDS))


@dataclass
class PopulationReport:
    counts: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0


@dataclass(frozen=True)
class Scale:
    youths: int
    primary: int
    secondary: int
    po_schools: int
    vo_schools: int

    @classmethod
    def of(cls, factor: float) -> Scale:
        return cls(
            youths=max(int(30_000 * factor), 60),
            primary=max(int(13_000 * factor), 26),
            secondary=max(int(11_000 * factor), 22),
            po_schools=max(int(60 * factor), 3),
            vo_schools=max(int(12 * factor), 2),
        )


def _bsn(rng: random.Random, used: set[str], taken: set[str]) -> str:
    while True:
        digits = [rng.randint(0, 9) for _ in range(8)]
        if digits[0] == 0:
            continue
        check = sum(d * w for d, w in zip(digits, range(9, 1, -1), strict=True)) % 11
        if check == 10:
            continue
        value = "".join(map(str, digits)) + str(check)
        if value not in used and bsn_module.is_valid_bsn(value) and bsn_module.blind_index(value) not in taken:
            used.add(value)
            return value


def _birthday(rng: random.Random, today: date, age: int) -> date:
    return today - timedelta(days=age * 365 + rng.randint(0, 364))


def generate(
    seed: int = 2026, scale: float = 1.0, progress: bool = True, today: date | None = None
) -> PopulationReport:
    """Zwolle (see the module's docstring); `scale` multiplies its size (Scale.of). Returns the counts and seconds
    (empty counts when Zwolle was built already)."""
    return _generate(ZWOLLE, random.Random(seed), f"{seed}", scale, progress, today)


def generate_town(
    number: int, seed: int = 2026, scale: float = 1.0, progress: bool = True, today: date | None = None
) -> PopulationReport:
    """The province's Zwolle-like town `number` (1..len(TOWN_NAMES); IndexError beyond), `scale` times Zwolle's size
    (at most 1: its schools' BRINs must stay within their prefix). Seeded from `seed` and `number`, so every town
    differs and the same seed builds the same town. Empty counts when the town was built already."""
    if not 0 < scale <= 1:
        raise ValueError(f"a town is at most Zwolle's size (scale 0 < s <= 1), not {scale}")
    town = Town.numbered(number)
    if number == 0:
        return generate(seed, scale, progress, today)
    report = _generate(town, random.Random(f"{seed}-town-{number}"), f"{seed}-t{number}", scale, progress, today)
    join_region(town)
    return report


def join_region(town: Town) -> None:
    """The demo's regional leerplicht bureau and its samenwerkingsverband (data.load) serve the town, and its schools
    belong to that samenwerkingsverband: one RBL, one SWV region. Idempotent (again after `data.load` resets the
    served lists); does nothing without the demo organisations or the town."""
    municipality = Municipality.objects.filter(cbs_code=town.cbs_code).first()
    if municipality is None:
        return
    for organisation in Organisation.objects.filter(name__in=[LEERPLICHT, SWV]):
        organisation.serves_municipalities.add(municipality)
        if organisation.kind == K.SWV:
            Organisation.objects.filter(kind=K.SCHOOL, municipality=municipality).update(
                samenwerkingsverband=organisation
            )


@transaction.atomic
def _generate(
    town: Town, rng: random.Random, tag: str, scale: float, progress: bool, today: date | None
) -> PopulationReport:
    """Build one town; `tag` makes its pupil keys and parent usernames unique across towns."""
    started = time.perf_counter()
    report = PopulationReport()
    if Organisation.objects.filter(name=town.marker).exists():
        return report
    size = Scale.of(scale)
    today = today or timezone.localdate()
    is_zwolle = town.number == 0

    # Identified by the CBS code, never by the name (a DUO import may have made them under DUO's spelling).
    zwolle, _ = Municipality.objects.get_or_create(cbs_code=town.cbs_code, defaults={"name": town.name})
    others = [Municipality.objects.get_or_create(cbs_code=c, defaults={"name": n})[0] for n, c in SURROUNDING.items()]
    wijken = [Wijk.objects.get_or_create(municipality=zwolle, name=n)[0] for n in town.wijken]
    # Zwolle's boards are the members of Bloz (the demo login `bloz`), whose policy officer sees their schools.
    bloz = Organisation.objects.filter(kind=K.SCHOOL_BOARD, name=BLOZ).first() if is_zwolle else None
    boards = [
        Organisation.objects.create(name=n, kind=K.SCHOOL_BOARD, municipality=zwolle, parent=bloz) for n in town.boards
    ]
    for name in PROVIDERS:
        Organisation.objects.get_or_create(name=name, defaults={"kind": K.PROVIDER, "municipality": zwolle})

    # Schools: primary, secondary, special education (SBO, SO, VSO, PRO) and mbo. BRINs 50AA.. are demo-only.
    plan = [("po", size.po_schools), ("vo", size.vo_schools), ("sbo", 3), ("so", 2), ("vso", 2), ("pro", 1), ("mbo", 1)]
    schools: dict[str, list[Organisation]] = {}
    letters = BRIN_LETTERS
    index = 0
    new_schools = []
    in_town = "" if is_zwolle else f" {town.name}"
    for school_type, count in plan:
        for n in range(count):
            brin = f"{town.brin_prefix + index // len(letters):02d}{letters[index % len(letters)]}"
            base = SCHOOL_NAMES[n % len(SCHOOL_NAMES)]
            label = {
                "po": "Basisschool",
                "vo": "College",
                "sbo": "SBO",
                "so": "SO",
                "vso": "VSO",
                "pro": "Praktijkschool",
                "mbo": "MBO",
            }[school_type]
            suffix = f" {n // len(SCHOOL_NAMES) + 1}" if n >= len(SCHOOL_NAMES) else ""
            new_schools.append(
                Organisation(
                    name=f"{label} {base}{suffix}{in_town} (demo)",
                    kind=K.SCHOOL,
                    brin=brin,
                    vestiging="00",
                    school_type=school_type,
                    municipality=zwolle,
                    parent=boards[index % len(boards)],
                )
            )
            index += 1
    Organisation.objects.bulk_create(new_schools)
    for new_school in new_schools:
        schools.setdefault(new_school.school_type, []).append(new_school)
    # The schools of the demo logins (in Zwolle) get their share of pupils too, so their working day is full.
    if is_zwolle:
        for existing in Organisation.objects.filter(kind=K.SCHOOL, school_type__in=["po", "vo"]).exclude(
            pk__in=[s.pk for s in new_schools]
        ):
            schools[existing.school_type].append(existing)
    SupportTeam.objects.bulk_create([SupportTeam(school=s) for s in new_schools])

    # The demo school social worker serves every school of Zwolle (one person per school in reality; one login here).
    smw = Membership.objects.filter(role="school_social_worker").first() if is_zwolle else None
    if smw is not None:
        SupportTeam.members.through.objects.bulk_create(
            [
                SupportTeam.members.through(supportteam_id=t.pk, membership_id=smw.pk)
                for t in SupportTeam.objects.filter(school__in=new_schools)
            ]
        )

    # Youths: ages 0-19; primary 4-12 and secondary 12-18 in the sources' numbers; the rest young or in mbo.
    youths: list[tuple[int, str | None]] = []  # (age, school type or None)
    youths += [(rng.randint(4, 11), "primary") for _ in range(size.primary)]
    youths += [(rng.randint(12, 17), "secondary") for _ in range(size.secondary)]
    rest = size.youths - len(youths)
    youths += [(rng.randint(0, 3), None) for _ in range(int(rest * 0.55))]
    youths += [(rng.randint(16, 19), "mbo") for _ in range(rest - int(rest * 0.55))]

    rng.shuffle(youths)  # families then span ages and school types, as real ones do
    used_bsn: set[str] = set()
    taken = set(Child.objects.exclude(bsn_index="").values_list("bsn_index", flat=True))
    # Youths not at a school that sends an EDEXML export (the youngest, mbo students) are made here; school pupils
    # are written into their school's EDEXML file and come in through the roster import (rosters.import_school).
    children: list[Child | None] = []
    pupils: dict[int, tuple[Organisation, rosters.Pupil]] = {}  # index in `children` -> (school, pupil)
    homes: list[tuple[int, int | None]] = []  # (home municipality id, wijk id) per index
    families: list[list[int]] = []
    family_names: list[str] = []
    bar = tqdm(total=len(youths), desc=f"{town.name}: children", unit=" child", disable=not progress, mininterval=0.5)
    position = 0
    school: Organisation | None
    while position < len(youths):
        size_of_family = min(rng.choice([1, 1, 2, 2, 2, 3, 3, 4]), len(youths) - position)
        family_name = rng.choice(LAST)
        # Families from the surrounding municipalities mostly come for secondary and special schools.
        kinds = {kind for _age, kind in youths[position : position + size_of_family]}
        outside = rng.random() < (0.30 if kinds & {"secondary", "mbo"} else 0.04)
        municipality = rng.choice(others) if outside else zwolle
        wijk = None if outside else rng.choice(wijken)
        primary_school = rng.choice(schools["po"])  # siblings in primary school usually share one
        members = []
        for age, kind in youths[position : position + size_of_family]:
            if kind == "primary":
                special = rng.random() < 0.03
                school = rng.choice(schools["sbo"] + schools["so"]) if special else primary_school
            elif kind == "secondary":
                special = rng.random() < 0.05 or (outside and rng.random() < 0.05)
                school = rng.choice(schools["vso"] + schools["pro"]) if special else rng.choice(schools["vo"])
            elif kind == "mbo":
                school = schools["mbo"][0]
            else:
                school = None
            given_name = rng.choice(FIRST)
            born = _birthday(rng, today, age)
            bsn = _bsn(rng, used_bsn, taken) if rng.random() < 0.4 else ""
            index = len(children)
            if kind in ("primary", "secondary") and school is not None:
                key = f"P{tag}-{index}"
                pupils[index] = (school, rosters.Pupil(key, given_name, family_name, born, age, bsn))
                children.append(None)
            else:
                child = Child(
                    given_name=given_name,
                    family_name=family_name,
                    date_of_birth=born,
                    school=school,
                    home_municipality=municipality,
                    wijk=wijk,
                )
                if bsn:
                    child.set_bsn(bsn)
                children.append(child)
            homes.append((municipality.pk, wijk.pk if wijk else None))
            members.append(index)
        families.append(members)
        family_names.append(family_name)
        position += size_of_family
        bar.update(size_of_family)
    bar.close()
    direct = [c for c in children if c is not None]
    for start in tqdm(range(0, len(direct), 2000), desc="saving", disable=not progress):
        Child.objects.bulk_create(direct[start : start + 2000])
    child_ids: dict[int, int] = {i: c.pk for i, c in enumerate(children) if c is not None}  # type: ignore[misc]

    # The school pupils: one EDEXML export per school, through the roster import (issue 15).
    per_school: dict[int, list[rosters.Pupil]] = {}
    school_of: dict[int, Organisation] = {}
    index_of: dict[str, int] = {}
    for index, (pupil_school, pupil) in pupils.items():
        per_school.setdefault(pupil_school.pk, []).append(pupil)
        school_of[pupil_school.pk] = pupil_school
        index_of[pupil.key] = index
    for school_id, school_pupils in tqdm(per_school.items(), desc="rosters", disable=not progress):
        _report, ids = rosters.import_school(school_of[school_id], school_pupils, today=today)
        child_ids.update({index_of[key]: pk for key, pk in ids.items() if key in index_of})
    # The roster gives the school's municipality as a new pupil's home; the family's own home is not in EDEXML (it
    # comes from the BRP): set it per (municipality, wijk), a few updates instead of one per child.
    by_home: dict[tuple[int, int | None], list[int]] = {}
    for index in pupils:
        by_home.setdefault(homes[index], []).append(child_ids[index])
    for (municipality_id, wijk_id), ids_at_home in by_home.items():
        for start in range(0, len(ids_at_home), 2000):
            Child.objects.filter(pk__in=ids_at_home[start : start + 2000]).update(
                home_municipality_id=municipality_id, wijk_id=wijk_id
            )

    # Parents: one or two with authority per family (no logins), sharing the family's children.
    unusable = make_password(None)
    parents: list[User] = []
    links: list[tuple[int, int]] = []  # (parent index, child index)
    for number, members in enumerate(families):
        for p in range(1 if rng.random() < 0.25 else 2):
            parents.append(
                User(
                    username=f"demo-ouder-{tag}-{number}-{p}",
                    password=unusable,
                    first_name=rng.choice(FIRST),
                    last_name=family_names[number],
                )
            )
            links += [(len(parents) - 1, m) for m in members]
    User.objects.bulk_create(parents, batch_size=5000)
    Guardianship.objects.bulk_create(
        [Guardianship(child_id=child_ids[c], user=parents[p], has_authority=True) for p, c in links],
        batch_size=5000,
    )
    report.counts = {
        "schools": len(new_schools),
        "children": len(children),
        "primary_pupils": size.primary,
        "secondary_pupils": size.secondary,
        "parents": len(parents),
        "through_roster_import": len(pupils),
        "from_surrounding_municipalities": sum(1 for m, _w in homes if m != zwolle.pk),
    }
    report.seconds = time.perf_counter() - started
    return report
