"""The emergency button's daily cap under concurrency (issue 12, finding 2): presses at the same moment, each
on its own database connection, never open more records than the cap. Runs on SQLite (a file, as in production)
and on PostgreSQL (CI runs the suite on both). Not wrapped in a test transaction: the threads must see each
other's commits, so the test cleans up what it made itself."""

from __future__ import annotations

import threading

import pytest

from rondom.access import services
from rondom.access.emergency import EmergencyLimitReached
from rondom.access.models import EmergencyAccess
from rondom.audit.models import AccessLogEntry
from rondom.registry.models import Municipality
from tests.concurrency import set_append_only_triggers
from tests.factories import ChildFactory, MembershipFactory, OrganisationFactory, SchoolFactory

REASON = "Melding van mishandeling, kind is niet op school en niet bereikbaar."


# --- The cap holds when many presses arrive at once ---------------------------------------------------------


def _append_only_triggers(on: bool) -> None:
    """Switch the append-only triggers of the access log and the administration log off to clean up after a test
    that had to commit, and on again (one helper for every concurrency test: tests/concurrency.py)."""
    set_append_only_triggers(on)


@pytest.fixture
def committed(django_db_setup, django_db_blocker):  # type: ignore[no-untyped-def]
    """Real commits, so that threads with their own database connections see each other's work. Everything made
    here is removed afterwards (the access log's rows with its triggers briefly off); rows that migrations made
    stay, unlike a flush. When this is the only database test of the run, pytest-django set up no test database:
    this fixture then sets one up (and removes it) itself."""
    from django.db import connection
    from django.test.utils import setup_databases, teardown_databases

    from rondom.audit.models import ChainHead

    made: list[object] = []
    with django_db_blocker.unblock():
        own = None
        if connection.settings_dict["NAME"] != connection.creation._get_test_db_name():
            own = setup_databases(verbosity=0, interactive=False, aliases={"default"})
        head = ChainHead.objects.get(pk=1)
        try:
            yield made
        finally:
            for obj in made:
                obj.delete()  # type: ignore[attr-defined]
            _append_only_triggers(False)
            try:
                with connection.cursor() as cursor:
                    cursor.execute("DELETE FROM audit_accesslogentry WHERE seq > %s", [head.seq])
                ChainHead.objects.filter(pk=1).update(seq=head.seq, last_hash=head.last_hash)
            finally:
                _append_only_triggers(True)
            if own is not None:
                teardown_databases(own, verbosity=0)


def test_presses_at_the_same_moment_never_pass_the_daily_cap(committed, settings) -> None:  # type: ignore[no-untyped-def]
    from django.db import connection

    settings.EMERGENCY_PER_HOUR = 100
    settings.EMERGENCY_PER_DAY = 5
    zwolle_is_new = not Municipality.objects.filter(name="Zwolle").exists()
    worker = MembershipFactory(organisation=OrganisationFactory(kind="wijkteam"), role="wijkteam_worker")
    school = SchoolFactory()
    children = ChildFactory.create_batch(12, school=school)
    committed += [*children, school, worker.user, worker.organisation]
    if zwolle_is_new:
        committed.append(children[0].home_municipality)
    barrier = threading.Barrier(len(children))
    outcomes: list[str] = []

    def press_at_once(child) -> None:  # type: ignore[no-untyped-def]
        try:
            barrier.wait(timeout=10)
            services.start_emergency_access(worker.user, child, worker, REASON)
            outcomes.append("opened")
        except EmergencyLimitReached:
            outcomes.append("refused")
        except Exception as exc:
            outcomes.append(f"error: {exc!r}")
        finally:
            connection.close()

    threads = [threading.Thread(target=press_at_once, args=(c,)) for c in children]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert sorted(outcomes) == ["opened"] * 5 + ["refused"] * 7, outcomes
    assert EmergencyAccess.objects.filter(membership=worker).count() == 5
    assert AccessLogEntry.objects.filter(user_id=worker.user_id, object_type="emergency_access").count() == 5
