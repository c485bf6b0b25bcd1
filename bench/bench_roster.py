"""Importing a Zwolle-sized roster (24,000 pupils, 1,000 groups, 2,000 teachers) from EDEXML 2.1, against a raw bulk
insert of the same Child rows into the same SQLite database in the same run. Targets: import ≤ 30 s and ≤ 3× the
raw insert (issue 15).

The import is timed from the file's bytes to the committed transaction: parsing (rondom.roster.edexml), the checks,
matching, the Child, PupilKey, SchoolGroup and GroupTeacher rows, one access-log row per pupil and the
administration-log row (rondom.roster.services.apply_roster, as the school's functioneel beheerder). The baseline
builds the same Child rows, each with its BSN encrypted and blind-indexed as a stored row must hold it, and inserts
them with a plain executemany: no ORM, no parsing, no checks, no keys, groups, teachers or logging
(Child.objects.bulk_create of the same rows is printed too, for comparison). A
second, identical import (nothing to change) is reported too."""

from __future__ import annotations

import os
import sys
import tempfile
import time
from datetime import date
from pathlib import Path
from typing import Any

from common import emit

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "src"), str(ROOT)]
os.environ["RONDOM_VAR_DIR"] = os.environ.get("BENCH_VAR_DIR") or tempfile.mkdtemp(prefix="rondom-bench-roster-")
os.environ.pop("DATABASE_URL", None)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "rondom.config.settings")
os.environ.setdefault("RONDOM_LOG_LEVEL", "WARNING")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402

PUPILS = int(os.environ.get("BENCH_ROSTER_PUPILS", "24000"))
GROUPS = int(os.environ.get("BENCH_ROSTER_GROUPS", "1000"))
TEACHERS = int(os.environ.get("BENCH_ROSTER_TEACHERS", "2000"))
TODAY = date(2026, 9, 14)
NAMES = ("Daan", "Emma", "Sem", "Julia", "Lucas", "Mila", "Finn", "Tess", "Noah", "Sara")
SURNAMES = (("", "Jansen"), ("de", "Vries"), ("van den", "Berg"), ("", "Bakker"), ("ter", "Horst"), ("", "Smit"))


def _bsns(n: int) -> list[str]:
    out: list[str] = []
    base = 20_000_000
    while len(out) < n:
        digits = f"{base:08d}"
        last = sum(int(d) * w for d, w in zip(digits, range(9, 1, -1), strict=True)) % 11
        if last < 10:
            out.append(digits + str(last))
        base += 1
    return out


def edexml(bsns: list[str]) -> bytes:
    """An EDEXML 2.1 export of one school: GROUPS groups, PUPILS pupils (every pupil a BSN), TEACHERS teachers with
    two per group."""
    parts = [
        '<?xml version="1.0" encoding="UTF-8"?>\n<EDEX xmlns="http://www.edustandaard.nl/leerresultaten/2/edex">\n'
        "<school><schooljaar>2026-2027</schooljaar><brincode>99ZZ</brincode><dependancecode>00</dependancecode>"
        "</school>\n<groepen>\n"
    ]
    for g in range(GROUPS):
        parts.append(f'<groep key="G{g}"><naam>{1 + g % 8}{g // 8}</naam><jaargroep>{1 + g % 8}</jaargroep></groep>\n')
    parts.append("</groepen>\n<leerlingen>\n")
    for i in range(PUPILS):
        voor, achter = SURNAMES[i % len(SURNAMES)]
        parts.append(
            f'<leerling key="L{i}"><achternaam>{achter}</achternaam><voorvoegsel>{voor}</voorvoegsel>'
            f"<roepnaam>{NAMES[i % len(NAMES)]}</roepnaam><geboortedatum>{2012 + i % 8}-{1 + i % 12:02d}-"
            f'{1 + i % 28:02d}</geboortedatum><groep key="G{i % GROUPS}"/><bsn>{bsns[i]}</bsn></leerling>\n'
        )
    parts.append("</leerlingen>\n<leerkrachten>\n")
    for t in range(TEACHERS):
        parts.append(
            f'<leerkracht key="T{t}"><achternaam>Leraar{t}</achternaam><roepnaam>Kim</roepnaam>'
            f'<emailadres>t{t}@bench.example</emailadres><groepen><groep key="G{t % GROUPS}"/></groepen></leerkracht>\n'
        )
    parts.append("</leerkrachten>\n</EDEX>\n")
    return "".join(parts).encode("utf-8")


def setup() -> tuple[Any, Any]:
    from rondom.accounts.models import Membership, Organisation, User
    from rondom.registry.models import Municipality

    call_command("migrate", verbosity=0)
    zwolle, _ = Municipality.objects.get_or_create(name="Zwolle")
    school = Organisation.objects.create(
        name="Bench Basisschool", kind="school", brin="99ZZ", vestiging="00", municipality=zwolle
    )
    admin = User.objects.create(username="bench-beheerder")
    Membership.objects.create(user=admin, organisation=school, role="functional_admin")
    users = User.objects.bulk_create(
        [User(username=f"bench-t{t}", email=f"t{t}@bench.example") for t in range(TEACHERS)], batch_size=1000
    )
    Membership.objects.bulk_create(
        [Membership(user=u, organisation=school, role="teacher", valid_from=date(2026, 8, 1)) for u in users],
        batch_size=1000,
    )
    return school, admin


def child_rows(school: Any, bsns: list[str]) -> list[tuple[Any, ...]]:
    """The same Child rows as the import writes, as database values: the BSN encrypted and blind-indexed as a
    stored row must hold it."""
    from django.utils import timezone

    from rondom.registry import bsn as bsn_module

    now = connection.ops.adapt_datetimefield_value(timezone.now())
    rows = []
    for i, number in enumerate(bsns):
        voor, achter = SURNAMES[i % len(SURNAMES)]
        rows.append(
            (
                NAMES[i % len(NAMES)],
                f"{voor} {achter}".strip(),
                connection.ops.adapt_datefield_value(date(2012 + i % 8, 1 + i % 12, 1 + i % 28)),
                bsn_module.encrypt(number),
                bsn_module.blind_index(number),
                school.pk,
                f"{1 + (i % GROUPS) % 8}{(i % GROUPS) // 8}",
                "",
                school.municipality_id,
                now,
                now,
                1,
            )
        )
    return rows


RAW_SQL = (
    "INSERT INTO registry_child (given_name, family_name, date_of_birth, bsn_encrypted, bsn_index, school_id, "
    '"group", onderwijsnummer_index, home_municipality_id, created_at, updated_at, version) '
    "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)"
)


def raw_insert(school: Any, bsns: list[str]) -> float:
    """The baseline: the same Child rows built (BSN encrypted and indexed) and inserted with a plain executemany,
    no ORM, no checks, no keys, groups, teachers or logging."""
    started = time.perf_counter()
    rows = child_rows(school, bsns)
    with transaction.atomic(), connection.cursor() as cursor:
        for i in range(0, len(rows), 5000):
            cursor.executemany(RAW_SQL, rows[i : i + 5000])
    return time.perf_counter() - started


def orm_insert(school: Any, bsns: list[str]) -> float:
    """For comparison only: the same rows through Child.objects.bulk_create."""
    from rondom.registry import bsn as bsn_module
    from rondom.registry.models import Child

    started = time.perf_counter()
    rows = []
    for i, number in enumerate(bsns):
        voor, achter = SURNAMES[i % len(SURNAMES)]
        rows.append(
            Child(
                given_name=NAMES[i % len(NAMES)],
                family_name=f"{voor} {achter}".strip(),
                date_of_birth=date(2012 + i % 8, 1 + i % 12, 1 + i % 28),
                school=school,
                home_municipality_id=school.municipality_id,
                bsn_encrypted=bsn_module.encrypt(number),
                bsn_index=bsn_module.blind_index(number),
                group=f"{1 + (i % GROUPS) % 8}{(i % GROUPS) // 8}",
            )
        )
    with transaction.atomic():
        Child.objects.bulk_create(rows, batch_size=900)
    return time.perf_counter() - started


def main() -> int:
    from rondom.audit.models import AccessLogEntry
    from rondom.registry.models import Child, GroupTeacher, PupilKey, SchoolGroup
    from rondom.roster.edexml import parse_edexml
    from rondom.roster.services import apply_roster

    school, admin = setup()
    bsns = _bsns(PUPILS)
    data = edexml(bsns)

    started = time.perf_counter()
    report = apply_roster(admin, school, parse_edexml(data), today=TODAY)
    import_s = time.perf_counter() - started
    assert len(report.added) == PUPILS and report.groups_added == GROUPS, (len(report.added), report.groups_added)
    assert report.teachers_linked == TEACHERS and not report.teachers_unmatched
    assert PupilKey.objects.count() == PUPILS and GroupTeacher.objects.count() == TEACHERS

    started = time.perf_counter()
    again = apply_roster(admin, school, parse_edexml(data), today=TODAY)
    again_s = time.perf_counter() - started
    assert again.unchanged == PUPILS and not (again.added or again.changed or again.ended)

    # The baseline in the same database: the import's rows out, the same Child rows in.
    with transaction.atomic():
        logged = AccessLogEntry.objects.count()
        GroupTeacher.objects.all().delete()
        PupilKey.objects.all().delete()
        Child.objects.all().delete()
        SchoolGroup.objects.all().delete()
    connection.close()
    bulk_s = raw_insert(school, bsns)
    assert Child.objects.count() == PUPILS
    Child.objects.all().delete()
    orm_s = orm_insert(school, bsns)
    assert Child.objects.count() == PUPILS
    ratio = import_s / bulk_s
    print(
        f"import {import_s:.1f} s ({PUPILS} pupils, {GROUPS} groups, {TEACHERS} teachers, {len(data) >> 20} MB of "
        f"EDEXML, {logged} access-log rows); identical second import {again_s:.1f} s; "
        f"raw bulk insert (executemany) {bulk_s:.1f} s, "
        f"Child.objects.bulk_create {orm_s:.1f} s"
    )
    emit("roster_import_s", import_s, "s", "<=", 30)
    emit("roster_import_vs_bulk_ratio", ratio, "x", "<=", 3, places=2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
