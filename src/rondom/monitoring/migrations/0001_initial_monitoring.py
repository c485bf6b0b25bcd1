"""The report texts and the monitoring's rollups, moved here from `funding` (issue 13): the models are created in
the state only, on the tables funding 0003/0004 made (`db_table`), so an existing database keeps every row; funding
0006 removes them from funding's state. Their content types (and so any permissions) follow them, and a refresh of
the rollup already queued for the worker under the old task path runs under the new one."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

MODELS = ("reporttext", "monthlyfact", "rolluprefresh")
OLD_TASK = "rondom.funding.tasks.refresh_monitoring_task"
NEW_TASK = "rondom.monitoring.tasks.refresh_monitoring_task"


def _move_content_types(apps, schema_editor, source: str, target: str) -> None:  # type: ignore[no-untyped-def]
    ContentType = apps.get_model("contenttypes", "ContentType")
    for model in MODELS:
        if not ContentType.objects.filter(app_label=target, model=model).exists():
            ContentType.objects.filter(app_label=source, model=model).update(app_label=target)


def _move_queued_tasks(apps, schema_editor, source: str, target: str) -> None:  # type: ignore[no-untyped-def]
    DBTaskResult = apps.get_model("django_tasks_database", "DBTaskResult")
    DBTaskResult.objects.filter(task_path=source, status="READY").update(task_path=target)


def forwards(apps, schema_editor) -> None:  # type: ignore[no-untyped-def]
    _move_content_types(apps, schema_editor, "funding", "monitoring")
    _move_queued_tasks(apps, schema_editor, OLD_TASK, NEW_TASK)


def backwards(apps, schema_editor) -> None:  # type: ignore[no-untyped-def]
    _move_content_types(apps, schema_editor, "monitoring", "funding")
    _move_queued_tasks(apps, schema_editor, NEW_TASK, OLD_TASK)


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("accounts", "0006_membership_regrant_role"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("django_tasks_database", "0016_remove_dbtaskresult_django_task_new_ordering_idx_and_more"),
        ("funding", "0005_werkplan_version_apirobust"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="RollupRefresh",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID"),
                        ),
                        ("name", models.CharField(max_length=40, unique=True)),
                        ("at", models.DateTimeField()),
                    ],
                    options={"db_table": "funding_rolluprefresh"},
                ),
                migrations.CreateModel(
                    name="ReportText",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID"),
                        ),
                        ("school_year", models.CharField(max_length=9, verbose_name="school year")),
                        (
                            "perspective",
                            models.CharField(
                                choices=[
                                    ("professional", "Professionals"),
                                    ("parent", "Parents"),
                                    ("youth", "Youths"),
                                    ("commissioner", "Commissioners"),
                                ],
                                max_length=12,
                                verbose_name="perspective",
                            ),
                        ),
                        ("signed_as", models.CharField(blank=True, max_length=120, verbose_name="signed as")),
                        ("text", models.TextField(verbose_name="text")),
                        ("written_at", models.DateTimeField(auto_now_add=True)),
                        (
                            "pilot",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE, related_name="texts", to="funding.pilot"
                            ),
                        ),
                        (
                            "written_by",
                            models.ForeignKey(
                                null=True,
                                on_delete=django.db.models.deletion.SET_NULL,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                    ],
                    options={"db_table": "funding_reporttext", "ordering": ["perspective", "written_at"]},
                ),
                migrations.CreateModel(
                    name="MonthlyFact",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID"),
                        ),
                        ("month", models.DateField()),
                        ("school_year", models.PositiveSmallIntegerField()),
                        ("fact", models.CharField(max_length=20)),
                        ("total", models.BigIntegerField()),
                        ("count", models.PositiveIntegerField()),
                        (
                            "school",
                            models.ForeignKey(
                                db_index=False,
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="+",
                                to="accounts.organisation",
                            ),
                        ),
                    ],
                    options={
                        "db_table": "funding_monthlyfact",
                        "constraints": [
                            models.UniqueConstraint(fields=("fact", "school", "month"), name="unique_monthly_fact")
                        ],
                    },
                ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(forwards, backwards),
    ]
