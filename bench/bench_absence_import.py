"""Importing 1,000,000 absence rows (24,000 pupils) from a CSV export, against a raw bulk insert of the same rows
into the same table of the same SQLite database in the same run. Targets: import ≤ 2× the raw insert and ≤ 30 s;
peak RSS of the importing process is reported (memory stays flat while streaming: it does not grow with the rows).

The import runs in a child process of its own so its peak RSS is its own; the raw insert gets the rows already
parsed (it does no CSV reading, no checks and no access logging)."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

from common import emit

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "src"), str(ROOT)]
os.environ["RONDOM_VAR_DIR"] = os.environ.get("BENCH_VAR_DIR") or tempfile.mkdtemp(prefix="rondom-bench-absence-")
os.environ.pop("DATABASE_URL", None)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "rondom.config.settings")
os.environ.setdefault("RONDOM_LOG_LEVEL", "WARNING")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402

PUPILS = int(os.environ.get("BENCH_ABSENCE_PUPILS", "24000"))
ROWS = int(os.environ.get("BENCH_ABSENCE_ROWS", "1000000"))
KINDS = ("O", "G", "Z", "L", "V")
KIND_VALUES = {"O": "unauthorised", "G": "authorised", "Z": "sick", "L": "late", "V": "exemption"}


def _bsns(n: int) -> list[str]:
    out, base = [], 10_000_000
    while len(out) < n:
        digits = f"{base:08d}"
        last = sum(int(d) * w for d, w in zip(digits, range(9, 1, -1), strict=True)) % 11
        if last < 10:
            out.append(digits + str(last))
        base += 1
    return out


def _school_days(n: int) -> list[date]:
    days, day = [], date(2025, 9, 1)
    while len(days) < n:
        if day.weekday() < 5:
            days.append(day)
        day += timedelta(days=1)
    return days


def rows() -> list[tuple[int, date, int, str]]:
    """1,000,000 distinct (pupil, day, lesson hour, kind): ~42 lesson hours per pupil over the school year."""
    days = _school_days(180)
    out = []
    per_pupil = -(-ROWS // PUPILS)
    for i in range(ROWS):
        pupil, k = divmod(i, per_pupil)
        day = days[(pupil * 7 + k // 6) % len(days)]
        out.append((pupil, day, 1 + k % 6, KINDS[(pupil + k) % len(KINDS)]))
    return out


def setup(csv_path: Path) -> tuple[int, int, list[int]]:
    from rondom.accounts.models import Membership, Organisation, User
    from rondom.attendance.models import ColumnMapping
    from rondom.registry import bsn as bsn_module
    from rondom.registry.models import Child, Municipality

    call_command("migrate", verbosity=0)
    zwolle, _ = Municipality.objects.get_or_create(name="Zwolle")
    school = Organisation.objects.create(
        name="Bench College", kind="school", brin="99ZZ", vestiging="00", municipality=zwolle
    )
    user = User.objects.create(username="bench-admin")
    Membership.objects.create(user=user, organisation=school, role="functional_admin")
    ColumnMapping.objects.create(
        owner=school,
        name="Magister",
        school_system="Magister",
        bsn_column="BSN",
        date_column="Datum",
        kind_column="Soort",
        lesson_hour_column="Lesuur",
        kind_codes={k: v for k, v in KIND_VALUES.items()},
        lesson_minutes=50,
    )
    bsns = _bsns(PUPILS)
    encrypted = [bsn_module.encrypt(b) for b in bsns]
    children = [
        Child(
            given_name=f"L{i}",
            family_name="Bench",
            date_of_birth=date(2012, 1, 1),
            school=school,
            home_municipality=zwolle,
            bsn_encrypted=encrypted[i],
            bsn_index=bsn_module.blind_index(b),
        )
        for i, b in enumerate(bsns)
    ]
    Child.objects.bulk_create(children, batch_size=2000)
    ids = list(Child.objects.filter(school=school).order_by("pk").values_list("pk", flat=True))
    with csv_path.open("w") as out:
        out.write("BSN;Datum;Soort;Lesuur\n")
        for pupil, day, hour, kind in rows():
            out.write(f"{bsns[pupil]};{day:%d-%m-%Y};{kind};{hour}\n")
    return school.pk, user.pk, ids


CHILD = """
import os, sys, time, resource
sys.path[:0] = [{src!r}, {root!r}]
import django; django.setup()
from pathlib import Path
from rondom.accounts.models import User
from rondom.attendance.importer import import_file
from rondom.attendance.models import ColumnMapping
path = Path({csv!r})
started = time.perf_counter()
report = import_file(path, file_name=path.name, school_id={school}, mapping=ColumnMapping.objects.get(name="Magister"),
                     user=User.objects.get(pk={user}))
seconds = time.perf_counter() - started
assert report.ok, report.errors[:3]
print(seconds, report.rows, report.inserted, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
"""


def raw_insert(school_id: int, ids: list[int]) -> float:
    """The baseline: plain executemany of the parsed rows, with the same SQLite page cache as the import."""
    from rondom.attendance.importer import _large_cache
    from rondom.attendance.models import AbsenceRecord

    table = AbsenceRecord._meta.db_table
    adapt = connection.ops.adapt_datefield_value
    prepared = [(ids[p], school_id, adapt(d), h, KIND_VALUES[k], 50, None) for p, d, h, k in rows()]
    sql = (
        f"INSERT INTO {table} (child_id, school_id, date, lesson_hour, kind, minutes, source_id) "
        "VALUES (%s, %s, %s, %s, %s, %s, %s)"
    )
    started = time.perf_counter()
    with transaction.atomic(), _large_cache(), connection.cursor() as cursor:
        for i in range(0, len(prepared), 5000):
            cursor.executemany(sql, prepared[i : i + 5000])
    return time.perf_counter() - started


def main() -> int:
    from rondom.attendance.models import AbsenceRecord

    csv_path = Path(os.environ["RONDOM_VAR_DIR"]) / "verzuim-1m.csv"
    school_id, user_id, ids = setup(csv_path)
    connection.close()
    code = CHILD.format(src=str(ROOT / "src"), root=str(ROOT), csv=str(csv_path), school=school_id, user=user_id)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=os.environ, check=False)
    if out.returncode:
        print(out.stderr[-3000:])
        return 1
    seconds_s, rows_s, inserted_s, rss_kb = out.stdout.split()
    import_s, n_rows = float(seconds_s), int(rows_s)
    peak_rss_mb = int(rss_kb) / 1024  # the importing process's own peak
    assert int(inserted_s) == n_rows == ROWS, (inserted_s, n_rows)

    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {AbsenceRecord._meta.db_table}")
    bulk_s = raw_insert(school_id, ids)
    assert AbsenceRecord.objects.count() == ROWS
    ratio = import_s / bulk_s
    print(f"import {import_s:.1f} s for {n_rows} rows of {PUPILS} pupils; raw bulk insert {bulk_s:.1f} s")
    emit("absence_import_vs_bulk_ratio", ratio, "x", "<=", 2, places=2)
    emit("absence_import_s", import_s, "s", "<=", 30)
    emit("absence_import_peak_rss_mb", peak_rss_mb, "MB", "<=", 400, places=0)
    return 0


if __name__ == "__main__":
    sys.exit(main())
