"""The NEN 7513 access log: one row per access, append-only, hash-chained, written with the change."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, transaction
from django.test.utils import CaptureQueriesContext

from rondom.access import policy
from rondom.audit import services
from rondom.audit.models import AccessLogEntry
from rondom.records.services import add_note
from rondom.registry.models import ChildNote
from tests.factories import ChildFactory, MembershipFactory

# Not transaction=True: a flush between tests would itself be refused by the append-only triggers.
pytestmark = pytest.mark.django_db


def make_rows(n: int = 3):  # type: ignore[no-untyped-def]
    child = ChildFactory()
    ib = MembershipFactory(organisation=child.school, role="intern_begeleider").user
    decision = policy.decide(ib, child, "read", "identity")
    for _ in range(n):
        services.record(ib, decision, child.pk, object_type="child", object_id=child.pk)
    return child, ib


def test_a_row_names_who_what_when_which_child_and_on_what_ground() -> None:
    child, ib = make_rows(1)
    row = AccessLogEntry.objects.get()
    assert (row.user_id, row.child_id, row.action, row.category) == (ib.pk, child.pk, "read", "identity")
    assert row.role == "intern_begeleider"
    assert row.organisation_id == child.school_id
    assert row.ground == "school_role" and row.ground_ref == "rule:school_role"
    assert row.emergency is False
    assert row.occurred_at is not None


def test_the_application_cannot_change_or_delete_log_rows() -> None:
    make_rows(1)
    row = AccessLogEntry.objects.get()
    row.role = "teacher"
    with pytest.raises(PermissionError):
        row.save()
    with pytest.raises(PermissionError):
        row.delete()
    with pytest.raises(PermissionError):
        AccessLogEntry.objects.all().update(role="teacher")
    with pytest.raises(PermissionError):
        AccessLogEntry.objects.all().delete()


def test_the_database_refuses_updates_and_deletes_of_log_rows() -> None:
    make_rows(1)
    for sql in ("UPDATE audit_accesslogentry SET role = 'teacher'", "DELETE FROM audit_accesslogentry"):
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql)
    assert AccessLogEntry.objects.get().role == "intern_begeleider"


def _without_triggers(sql: str, params: list[object]) -> None:
    """What an attacker with database-owner rights could do: bypass the triggers and change a row."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("ALTER TABLE audit_accesslogentry DISABLE TRIGGER USER")
            cursor.execute(sql, params)
            cursor.execute("ALTER TABLE audit_accesslogentry ENABLE TRIGGER USER")
        else:
            cursor.execute("DROP TRIGGER rondom_audit_no_update")
            cursor.execute("DROP TRIGGER rondom_audit_no_delete")
            cursor.execute(sql, params)


def test_verify_audit_log_passes_an_intact_chain(capsys) -> None:  # type: ignore[no-untyped-def]
    make_rows(5)
    call_command("verify_audit_log")
    assert "OK: 5 rows" in capsys.readouterr().out


def test_verify_audit_log_detects_a_row_altered_directly_in_the_database() -> None:
    make_rows(5)
    third = AccessLogEntry.objects.get(seq=3)
    _without_triggers("UPDATE audit_accesslogentry SET role = %s WHERE id = %s", ["teacher", third.pk])
    with pytest.raises(CommandError, match="BROKEN at row 3"):
        call_command("verify_audit_log")


def test_verify_audit_log_detects_a_removed_row() -> None:
    make_rows(5)
    _without_triggers("DELETE FROM audit_accesslogentry WHERE seq = %s", [2])
    with pytest.raises(CommandError, match="BROKEN at row 2"):
        call_command("verify_audit_log")


def test_verify_audit_log_detects_removed_rows_at_the_end() -> None:
    make_rows(5)
    _without_triggers("DELETE FROM audit_accesslogentry WHERE seq >= %s", [4])
    with pytest.raises(CommandError, match="BROKEN at row 4"):
        call_command("verify_audit_log")


def test_a_change_and_its_log_row_commit_or_fail_together() -> None:
    child = ChildFactory()
    ib = MembershipFactory(organisation=child.school, role="intern_begeleider").user
    with pytest.raises(RuntimeError), transaction.atomic():
        add_note(ib, child, "support", "Eerste gesprek")
        raise RuntimeError("the request failed after the note was written")
    assert not ChildNote.objects.exists()
    assert not AccessLogEntry.objects.exists()
    add_note(ib, child, "support", "Eerste gesprek")
    assert AccessLogEntry.objects.filter(action="create", object_type="note").count() == 1


def test_a_search_logs_one_row_per_child_shown(login) -> None:  # type: ignore[no-untyped-def]
    child = ChildFactory()
    ChildFactory(school=child.school)
    ib = MembershipFactory(organisation=child.school, role="intern_begeleider").user
    assert len(login(ib).get("/api/children/").json()["results"]) == 2
    assert AccessLogEntry.objects.filter(action="search").count() == 2


def _log_inserts(queries: CaptureQueriesContext) -> list[str]:
    table = AccessLogEntry._meta.db_table
    return [q["sql"] for q in queries if q["sql"].startswith("INSERT INTO") and table in q["sql"]]


def test_a_request_s_rows_are_written_in_one_multi_row_insert_and_the_chain_verifies() -> None:
    child, ib = make_rows(2)
    decision = policy.decide(ib, child, "read", "identity")
    items = [services.LogItem(child.pk, "notes", str(n)) for n in range(30)]
    with CaptureQueriesContext(connection) as queries:
        written = services.record_many(ib, decision, items)
    inserts = _log_inserts(queries)
    assert len(inserts) == 1 and inserts[0].count("), (") == 29  # one statement, 30 rows (not executemany)
    rows = list(AccessLogEntry.objects.order_by("seq"))
    assert [r.seq for r in rows] == list(range(1, 33))
    assert [r.object_id for r in rows[2:]] == [str(n) for n in range(30)]
    assert [r.row_hash for r in rows[2:]] == [r.row_hash for r in written]
    assert services.verify_chain().ok


def test_a_bulk_write_beyond_one_statement_s_parameters_stays_one_exact_chain() -> None:
    child, ib = make_rows(1)
    decision = policy.decide(ib, child, "read", "identity")
    n = 2 * services.ROWS_PER_INSERT + 7
    with CaptureQueriesContext(connection) as queries:
        services.record_many(ib, decision, [services.LogItem(child.pk, "child", str(i)) for i in range(n)])
    assert len(_log_inserts(queries)) >= 3  # split to stay within the bound parameters
    assert AccessLogEntry.objects.count() == n + 1
    report = services.verify_chain()
    assert report.ok and report.checked == n + 1
