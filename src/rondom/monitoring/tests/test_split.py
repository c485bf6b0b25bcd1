"""Monitoring is its own app (issue 13, point 4): funding and feedback do not import each other or monitoring, the
pages kept their addresses, and the migration that moved the models keeps every row."""

from __future__ import annotations

import ast
from datetime import date
from pathlib import Path

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.urls import resolve, reverse
from django.utils import timezone

from tests.factories import SchoolFactory

SRC = Path(__file__).resolve().parents[2]
#: app -> the apps it must not import, at module level or inside a function (tests and migrations aside).
FORBIDDEN = {
    "funding": {"feedback", "monitoring"},
    "feedback": {"funding", "monitoring"},
}


def imported_apps(app: str) -> dict[str, set[str]]:
    """{module path: the rondom apps it imports, wherever in the module the import stands}."""
    found: dict[str, set[str]] = {}
    for path in sorted((SRC / app).rglob("*.py")):
        if {"tests", "migrations"} & set(path.relative_to(SRC).parts):
            continue
        names: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names.add(node.module)
            elif isinstance(node, ast.Import):
                names.update(alias.name for alias in node.names)
        found[str(path.relative_to(SRC))] = {n.split(".")[1] for n in names if n.startswith("rondom.") and "." in n}
    return found


@pytest.mark.parametrize("app", sorted(FORBIDDEN))
def test_funding_and_feedback_import_neither_each_other_nor_monitoring(app: str) -> None:
    modules = imported_apps(app)
    assert modules, f"no modules found for {app}"
    wrong = {module: sorted(apps & FORBIDDEN[app]) for module, apps in modules.items() if apps & FORBIDDEN[app]}
    assert wrong == {}


def test_monitoring_reads_funding_and_feedback_one_way() -> None:
    used = set().union(*imported_apps("monitoring").values())
    assert {"funding", "feedback"} <= used  # the direction the other test keeps free of cycles


@pytest.mark.parametrize(
    ("name", "path"),
    [
        ("monitoring:dashboard", "/monitoring/"),
        ("monitoring:report", "/monitoring/rapport/"),
        ("monitoring:report-texts", "/monitoring/teksten/"),
        ("monitoring:research", "/monitoring/onderzoek/"),
        ("funding:allocation", "/monitoring/verdeling/"),
        ("funding:pilots", "/monitoring/pilots/"),
        ("funding:werkplans", "/werkplannen/"),
    ],
)
def test_the_pages_kept_their_addresses(name: str, path: str) -> None:
    assert reverse(name) == path
    assert resolve(path).func.__module__.split(".")[1] == name.split(":")[0]


BEFORE = [("funding", "0005_werkplan_version_apirobust"), ("monitoring", None)]
MODELS = ("reporttext", "monthlyfact", "rolluprefresh")
OLD_TASK = "rondom.funding.tasks.refresh_monitoring_task"
NEW_TASK = "rondom.monitoring.tasks.refresh_monitoring_task"


def _migrate(targets: list[tuple[str, str | None]]) -> MigrationExecutor:
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor


#: Committed rows (migrations run outside a test transaction); the fixture lets the flush afterwards pass the
#: access log's append-only triggers (tests/concurrency.py).
@pytest.mark.usefixtures("concurrent_db")
def test_the_move_keeps_the_rows_content_types_and_queued_refresh() -> None:
    """From main's state (the models in funding, with data) forward: the monitoring models read the same rows."""
    from django_tasks_db.models import DBTaskResult

    from rondom.funding.models import Pilot
    from rondom.monitoring.models import MonthlyFact, ReportText, RollupRefresh

    leaves = _migrate(BEFORE).loader.graph.leaf_nodes()
    old = MigrationExecutor(connection).loader.project_state(BEFORE[0]).apps
    school = SchoolFactory()
    pilot = Pilot.objects.create(name="Noord", kind="area", start_year=2026)
    old.get_model("funding", "ReportText").objects.create(
        pilot_id=pilot.pk, school_year="2026-2027", perspective="parent", text="Het helpt."
    )
    old.get_model("funding", "MonthlyFact").objects.create(
        school_id=school.pk, month=date(2026, 9, 1), school_year=2026, fact="goals", total=7, count=2
    )
    at = timezone.make_aware(timezone.datetime(2026, 9, 2, 10, 0))
    old.get_model("funding", "RollupRefresh").objects.create(name="monthly_facts", at=at)
    ContentType.objects.filter(app_label="monitoring").delete()  # as on main: only funding's exist
    for model in MODELS:
        ContentType.objects.get_or_create(app_label="funding", model=model)
    queued = DBTaskResult.objects.create(
        task_path=OLD_TASK, args_kwargs={"args": [], "kwargs": {}}, backend_name="default", run_after=at
    )

    _migrate(leaves)

    assert ReportText.objects.get().text == "Het helpt." and ReportText.objects.get().pilot == pilot
    assert list(MonthlyFact.objects.values_list("school_id", "total", "count")) == [(school.pk, 7, 2)]
    assert RollupRefresh.objects.get().at == at
    assert sorted(ContentType.objects.filter(model__in=MODELS).values_list("app_label", "model")) == sorted(
        ("monitoring", m) for m in MODELS
    )
    queued.refresh_from_db()
    assert queued.task_path == NEW_TASK
