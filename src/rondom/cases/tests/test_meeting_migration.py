"""The migration that gives meetings a time, place, chair and invitees (issue 14, point 6) keeps every meeting,
agenda item and action planned before it: no time is invented, actions stay open with their due date."""

from __future__ import annotations

from datetime import date

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from tests.factories import SchoolFactory

BEFORE = [("cases", "0003_signal_conversation_by_timeline")]
AFTER = [("cases", "0004_meeting_details_meetings")]


#: Committed rows (migrations run outside a test transaction); the fixture lets the flush afterwards pass the
#: access log's append-only triggers (tests/concurrency.py). The database goes back to the latest migrations
#: at the end, whatever the outcome, so the tests after this one meet today's schema.
@pytest.mark.usefixtures("concurrent_db")
def test_meetings_planned_before_the_migration_keep_their_date_and_get_no_invented_time() -> None:
    executor = MigrationExecutor(connection)
    leaves = executor.loader.graph.leaf_nodes()
    try:
        _check_forward(executor)
    finally:
        executor = MigrationExecutor(connection)
        executor.loader.build_graph()
        executor.migrate(leaves)


def _check_forward(executor: MigrationExecutor) -> None:
    executor.migrate(BEFORE)
    old = executor.loader.project_state(BEFORE).apps
    school = SchoolFactory()  # accounts stays migrated to its latest state: today's model
    team = old.get_model("cases", "SupportTeam").objects.create(school_id=school.pk)
    meeting = old.get_model("cases", "Meeting").objects.create(team=team, date=date(2026, 3, 2))

    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(AFTER)
    new = executor.loader.project_state(AFTER).apps
    migrated = new.get_model("cases", "Meeting").objects.get(pk=meeting.pk)
    assert migrated.date == date(2026, 3, 2)
    assert (migrated.starts_at, migrated.ends_at, migrated.place, migrated.chair_id) == (None, None, "", None)
    assert new.get_model("cases", "AgendaDecision").objects.count() == 0
