"""Absence records partitioned by school year on PostgreSQL (attendance.partitions, migration 0008; the national path
in docs/production.md). The school years used here (2040 and later) lie beyond the partitions the migration made
for the day the test database was built, so each test decides which partitions exist."""

from __future__ import annotations

import re
from datetime import date

import pytest
from django.core.management import call_command
from django.db import connection

from rondom.attendance.importer import import_file
from rondom.attendance.models import AbsenceKind, AbsenceRecord
from rondom.attendance.partitions import (
    DEFAULT_PARTITION,
    TABLE,
    detach_school_year,
    ensure_partitions,
    is_partitioned,
    partition_name,
    partitions,
)
from rondom.core.schoolyear import SchoolYear
from tests.factories import ChildFactory, make_bsn, pupil_with_bsn

pytestmark = pytest.mark.django_db
on_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="partitioning is PostgreSQL's (SQLite keeps one plain table)"
)
Y2040, Y2041 = SchoolYear(2040), SchoolYear(2041)


def _absence(child, day: date, lesson_hour: int = 0) -> AbsenceRecord:  # type: ignore[no-untyped-def]
    return AbsenceRecord.objects.create(
        child=child, school=child.school, date=day, lesson_hour=lesson_hour, kind=AbsenceKind.SICK, minutes=60
    )


def _partition_of(record_id: int) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f'SELECT tableoid::regclass::text FROM "{TABLE}" WHERE id = %s', [record_id])
        return cursor.fetchone()[0]


@on_postgresql
def test_the_absence_table_is_partitioned_by_school_year_with_a_default() -> None:
    assert is_partitioned(connection)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT partstrat, a.attname FROM pg_partitioned_table p "
            "JOIN pg_attribute a ON a.attrelid = p.partrelid AND a.attnum = p.partattrs[0] "
            "WHERE p.partrelid = %s::regclass",
            [TABLE],
        )
        assert cursor.fetchone() == ("r", "date")  # RANGE on the date
    bounds = partitions(connection)
    assert bounds[DEFAULT_PARTITION] == "DEFAULT"
    years = [name for name in bounds if name != DEFAULT_PARTITION]
    assert len(years) >= 2  # at least the school year the database was built in and the next
    for name in years:  # each one school year, 1 August up to 1 August, named after it
        start = int(name.removeprefix(f"{TABLE}_")[:4])
        assert name == partition_name(SchoolYear(start))
        assert bounds[name] == f"FOR VALUES FROM ('{start}-08-01') TO ('{start + 1}-08-01')"


@on_postgresql
def test_rows_of_two_school_years_land_in_their_partitions_and_the_orm_works_on_them() -> None:
    created = ensure_partitions(date(2041, 3, 1), years_ahead=1).created
    assert created == [partition_name(Y2040), partition_name(Y2041)]
    child = ChildFactory()
    last_day, first_day = _absence(child, date(2041, 7, 31)), _absence(child, date(2041, 8, 1))
    assert _partition_of(last_day.pk) == "attendance_absencerecord_2040_2041"
    assert _partition_of(first_day.pk) == "attendance_absencerecord_2041_2042"
    assert first_day.pk > last_day.pk  # one sequence gives every id, whatever the partition

    # Django's primary key is still `id`: get, update and delete by it.
    assert AbsenceRecord.objects.get(pk=first_day.pk).date == date(2041, 8, 1)
    first_day.minutes = 30
    first_day.save()
    assert AbsenceRecord.objects.get(pk=first_day.pk).minutes == 30
    child.delete()  # the cascade deletes by id across partitions
    assert not AbsenceRecord.objects.exists()


@on_postgresql
def test_the_slot_stays_unique_across_the_partitioned_table() -> None:
    from django.db import IntegrityError, transaction

    ensure_partitions(date(2040, 9, 1), years_ahead=0)
    child = ChildFactory()
    _absence(child, date(2040, 9, 3), lesson_hour=2)
    with pytest.raises(IntegrityError), transaction.atomic():
        _absence(child, date(2040, 9, 3), lesson_hour=2)


@on_postgresql
def test_the_import_upserts_into_the_partitions(school, admin, mapping, write_csv) -> None:  # type: ignore[no-untyped-def]
    ensure_partitions(date(2040, 9, 1), years_ahead=1)
    pupil_with_bsn(0, school=school)
    rows = [[make_bsn(0), "31-07-2041", "O", "", "1"], [make_bsn(0), "01-08-2041", "O", "", "1"]]
    path = write_csv(rows)
    kwargs = {"file_name": path.name, "school_id": school.pk, "mapping": mapping, "user": admin}
    first = import_file(path, today=date(2041, 8, 2), **kwargs)  # type: ignore[arg-type]
    assert first.ok and first.inserted == 2
    assert sorted(_partition_of(pk) for pk in AbsenceRecord.objects.values_list("pk", flat=True)) == [
        "attendance_absencerecord_2040_2041",
        "attendance_absencerecord_2041_2042",
    ]
    again = import_file(write_csv([[*r[:2], "G", *r[3:]] for r in rows], "v2.csv"), today=date(2041, 8, 2), **kwargs)  # type: ignore[arg-type]
    assert again.ok and (again.inserted, again.updated) == (0, 2)  # ON CONFLICT on the partitioned unique slot
    assert set(AbsenceRecord.objects.values_list("kind", flat=True)) == {AbsenceKind.AUTHORISED}


@on_postgresql
def test_a_query_for_one_school_year_reads_one_partition() -> None:
    ensure_partitions(date(2040, 9, 1), years_ahead=2)
    year = AbsenceRecord.objects.filter(date__gte=Y2041.first_day, date__lte=Y2041.last_day)
    plan = year.explain()
    scanned = set(re.findall(rf"\b{TABLE}_(?:[0-9]{{4}}_[0-9]{{4}}|default)\b", plan))
    assert scanned == {partition_name(Y2041)}, plan  # pruned to the one school year: not 2040, 2042 or DEFAULT


@on_postgresql
def test_ensure_moves_rows_out_of_default_and_a_second_run_changes_nothing(capsys) -> None:  # type: ignore[no-untyped-def]
    assert partition_name(Y2040) not in partitions(connection)
    child = ChildFactory()
    stray = _absence(child, date(2040, 10, 1))
    assert _partition_of(stray.pk) == DEFAULT_PARTITION  # no partition for 2040-2041 yet

    call_command("ensure_absence_partitions", "--today", "2039-09-01", "--years", "0")
    out = capsys.readouterr().out
    assert f"created {partition_name(Y2040)}" in out  # the year found in DEFAULT, though not ahead
    assert "moved 1 rows out of the DEFAULT partition" in out
    assert _partition_of(stray.pk) == partition_name(Y2040)
    assert AbsenceRecord.objects.get(pk=stray.pk).date == date(2040, 10, 1)  # same row, same id
    # The new partition has the parent's indexes and constraints (PostgreSQL attached them).
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_indexes WHERE tablename = %s", [partition_name(Y2040)])
        assert cursor.fetchone()[0] == 3  # primary key (id, date), unique slot, (school, date)

    before = partitions(connection)
    call_command("ensure_absence_partitions", "--today", "2039-09-01", "--years", "0")
    assert "nothing created" in capsys.readouterr().out
    assert partitions(connection) == before
    assert ensure_partitions(date(2040, 9, 1), years_ahead=0).created == []


@on_postgresql
def test_a_school_year_leaves_as_a_whole_partition() -> None:
    ensure_partitions(date(2040, 9, 1), years_ahead=1)
    child = ChildFactory()
    _absence(child, date(2040, 10, 1))
    kept = _absence(child, date(2041, 10, 1))
    with connection.cursor() as cursor:  # the test's own transaction: check its deferred foreign keys now, as a
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # commit would, or PostgreSQL refuses to drop the table
    assert detach_school_year(Y2040, drop=True)
    assert partition_name(Y2040) not in partitions(connection)
    assert list(AbsenceRecord.objects.values_list("pk", flat=True)) == [kept.pk]
    assert not detach_school_year(Y2040)  # gone already


@pytest.mark.skipif(connection.vendor == "postgresql", reason="what SQLite does: nothing is partitioned there")
def test_on_sqlite_nothing_is_partitioned_and_the_command_says_so(capsys) -> None:  # type: ignore[no-untyped-def]
    assert not is_partitioned(connection) and partitions(connection) == {}
    assert ensure_partitions(date(2040, 9, 1)).created == []
    call_command("ensure_absence_partitions")
    assert "not partitioned here" in capsys.readouterr().out
