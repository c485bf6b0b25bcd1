"""The read replica (rondom.dbrouting; docs/production.md, "Read replica"): the monitoring's reads go to the
``replica`` alias, every write — the access-log row above all — and every access decision to ``default``.

The alias is added for these tests only (the ``replica`` fixture), as a test mirror of ``default``: the same
database through a second connection, as a streaming replica would be. That second connection sees only committed
rows, so the tests that use it run on a committed database (``concurrent_db``). The rest of the suite never sees
the alias."""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from django.test.utils import CaptureQueriesContext

from rondom.attendance.models import AbsenceMonth
from rondom.audit.models import AccessLogEntry
from rondom.consent.models import Consent
from rondom.dbrouting import REPLICA, ReplicaRouter, reading_from_replica, reads_from_replica
from rondom.funding.models import Pilot
from rondom.thuiszitters.models import Thuiszitter
from tests.factories import ChildFactory, MembershipFactory, OrganisationFactory, SchoolFactory

WRITES = re.compile(r"\b(INSERT|UPDATE|DELETE)\b", re.IGNORECASE)


@pytest.fixture
def replica(concurrent_db: None) -> Iterator[BaseDatabaseWrapper]:
    """A ``replica`` alias for this test: a test mirror of the test database (Django's TEST MIRROR)."""
    primary = connections[DEFAULT_DB_ALIAS].settings_dict
    connections.settings[REPLICA] = {**primary, "TEST": {**primary["TEST"], "MIRROR": DEFAULT_DB_ALIAS}}
    # Connected here, outside Django's per-test guard, which only knows the aliases there were when the test began.
    connections[REPLICA].connect()
    try:
        yield connections[REPLICA]
    finally:
        connections[REPLICA].close()
        del connections[REPLICA]
        del connections.settings[REPLICA]


@pytest.fixture
def city():  # type: ignore[no-untyped-def]
    school = SchoolFactory(name="De Wijde Blik")
    Pilot.objects.get(kind="specific_care").schools.add(school)
    children = [ChildFactory(school=school) for _ in range(6)]
    for child in children:
        Thuiszitter.objects.create(
            child=child, kind="relative", reason="other", started_on=date(2025, 9, 1), school=school
        )
    gemeente = OrganisationFactory(kind="municipality", municipality=school.municipality)
    officer = MembershipFactory(organisation=gemeente, role="policy_officer").user
    return {"school": school, "children": children, "officer": officer}


@pytest.fixture(autouse=True)
def _a_fixed_day():  # type: ignore[no-untyped-def]
    with time_machine.travel(datetime(2026, 9, 15, 10, 0, tzinfo=ZoneInfo("Europe/Amsterdam")), tick=False):
        yield


def _sql(captured: CaptureQueriesContext) -> list[str]:
    return [q["sql"] for q in captured.captured_queries]


def test_the_dashboard_reads_from_the_replica_and_logs_its_export_on_the_primary(replica, city, login) -> None:  # type: ignore[no-untyped-def]
    client = login(city["officer"])
    logged = AccessLogEntry.objects.count()
    with (
        CaptureQueriesContext(replica) as on_replica,
        CaptureQueriesContext(connections[DEFAULT_DB_ALIAS]) as on_primary,
    ):
        response = client.get("/monitoring/?pilot=city&year=2025-2026&table=summary&format=csv")
    assert response.status_code == 200
    read_there = _sql(on_replica)
    assert any("monitoring_" in sql or AbsenceMonth._meta.db_table in sql for sql in read_there)  # the rollups
    assert any("thuiszitters_thuiszitter" in sql for sql in read_there)
    assert not [sql for sql in read_there if WRITES.search(sql)]  # nothing written there
    assert not [sql for sql in read_there if "audit_" in sql or "access_" in sql or "consent_" in sql]
    log_table = AccessLogEntry._meta.db_table  # the export's log row, written on the primary
    assert any(f"INSERT INTO {log_table}" in sql for sql in _sql(on_primary))
    assert AccessLogEntry.objects.count() == logged + 1
    assert not reads_from_replica()  # the request is over: nothing is left switched on

    with CaptureQueriesContext(replica) as elsewhere:  # a page outside the monitoring reads the primary
        client.get("/")
    assert _sql(elsewhere) == []


@pytest.mark.parametrize("url", ["/api/monitoring/?pilot=city&year=2025-2026", "/monitoring/?pilot=city"])
def test_the_monitoring_api_and_page_read_from_the_replica(replica, city, login, url) -> None:  # type: ignore[no-untyped-def]
    client = login(city["officer"])
    with (
        CaptureQueriesContext(replica) as on_replica,
        CaptureQueriesContext(connections[DEFAULT_DB_ALIAS]) as on_primary,
    ):
        response = client.get(url)
    assert response.status_code == 200
    assert any("thuiszitters_thuiszitter" in sql for sql in _sql(on_replica))
    assert not any("thuiszitters_thuiszitter" in sql for sql in _sql(on_primary))


def test_inside_the_block_writes_transactions_and_access_data_stay_on_the_primary(replica) -> None:  # type: ignore[no-untyped-def]
    router = ReplicaRouter()
    assert router.db_for_read(Thuiszitter) == DEFAULT_DB_ALIAS  # outside the block
    with reading_from_replica():
        assert router.db_for_read(Thuiszitter) == REPLICA
        assert router.db_for_read(AccessLogEntry) == DEFAULT_DB_ALIAS  # the access log is read where it is written
        assert router.db_for_read(Consent) == DEFAULT_DB_ALIAS  # a withdrawn consent counts at once
        assert router.db_for_write(Thuiszitter) == DEFAULT_DB_ALIAS
        with transaction.atomic():  # a write transaction reads its own writes
            assert router.db_for_read(Thuiszitter) == DEFAULT_DB_ALIAS
        with reading_from_replica():  # nested: still the replica, and still so after leaving the inner block
            assert router.db_for_read(Thuiszitter) == REPLICA
        assert router.db_for_read(Thuiszitter) == REPLICA

        seen_in_thread: list[str] = []
        thread = threading.Thread(target=lambda: seen_in_thread.append(router.db_for_read(Thuiszitter)))
        thread.start()
        thread.join()
        assert seen_in_thread == [DEFAULT_DB_ALIAS]  # another thread is not inside this block
    assert router.db_for_read(Thuiszitter) == DEFAULT_DB_ALIAS


@pytest.mark.django_db
def test_without_a_replica_everything_reads_the_primary() -> None:
    assert REPLICA not in connections.settings  # the suite runs without DATABASE_REPLICA_URL
    router = ReplicaRouter()
    with reading_from_replica():
        assert not reads_from_replica(Thuiszitter)
        assert router.db_for_read(Thuiszitter) == DEFAULT_DB_ALIAS
        assert router.allow_migrate(DEFAULT_DB_ALIAS, "attendance") is None
    assert router.allow_migrate(REPLICA, "attendance") is False  # the replica follows by replication


def test_the_research_export_reads_measures_there_but_consents_and_its_log_here(replica, city, login, settings) -> None:  # type: ignore[no-untyped-def]
    from tests.factories import consent_for

    settings.RONDOM_RESEARCH_KEY = "sleutel-van-de-gemeente"
    child = city["children"][0]
    consent_for(child, "research", OrganisationFactory(kind="knowledge"), ["support"])
    client = login(city["officer"])
    form = {"pilot": "city", "year": "2025-2026", "legal_basis": ""}
    with (
        CaptureQueriesContext(replica) as on_replica,
        CaptureQueriesContext(connections[DEFAULT_DB_ALIAS]) as on_primary,
    ):
        exported = client.post("/monitoring/onderzoek/", form)
    assert exported.status_code == 200 and len(exported.content.decode("utf-8-sig").splitlines()) == 2
    read_there, done_here = _sql(on_replica), _sql(on_primary)
    assert any("attendance_absencerecord" in sql for sql in read_there)  # the measures
    assert not any("consent_consent" in sql for sql in read_there)  # whether the child consented: the primary
    assert any("consent_consent" in sql for sql in done_here)
    assert not [sql for sql in read_there if WRITES.search(sql)]
    assert any(f"INSERT INTO {AccessLogEntry._meta.db_table}" in sql for sql in done_here)
    assert AccessLogEntry.objects.filter(child_id=child.pk, action="export").count() == 1
