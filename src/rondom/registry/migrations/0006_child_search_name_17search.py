"""Child.search_name (registry.names.search_key) for every child, and its text index per database (issue 17,
docs/search.md): pg_trgm with a GIN trigram index on PostgreSQL, an FTS5 table with triggers on SQLite."""

from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations, models

from rondom.registry.name_index import TRGM_INDEX, drop_sqlite_name_index, ensure_sqlite_name_index
from rondom.registry.names import search_key

BATCH = 2000


class PostgresTrigramExtension(TrigramExtension):
    """pg_trgm on PostgreSQL only. CreateExtension skips other databases going forwards but (Django 5.2) not
    backwards, where it would query pg_extension on SQLite."""

    def database_backwards(self, app_label, schema_editor, from_state, to_state):  # type: ignore[no-untyped-def]
        if schema_editor.connection.vendor == "postgresql":
            super().database_backwards(app_label, schema_editor, from_state, to_state)


def fill_search_names(apps, schema_editor):  # type: ignore[no-untyped-def]
    """Every existing child's search name, as Child.save would store it (anonymised: empty)."""
    child_model = apps.get_model("registry", "Child")
    rows = child_model.objects.using(schema_editor.connection.alias).only(
        "pk", "given_name", "family_name", "anonymised_at"
    )
    batch = []
    for child in rows.order_by("pk").iterator(chunk_size=BATCH):
        child.search_name = "" if child.anonymised_at else search_key(child.given_name, child.family_name)
        batch.append(child)
        if len(batch) == BATCH:
            child_model.objects.using(schema_editor.connection.alias).bulk_update(batch, ["search_name"])
            batch = []
    if batch:
        child_model.objects.using(schema_editor.connection.alias).bulk_update(batch, ["search_name"])


def create_index(apps, schema_editor):  # type: ignore[no-untyped-def]
    connection = schema_editor.connection
    if connection.vendor == "postgresql":
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {TRGM_INDEX} ON registry_child USING gin (search_name gin_trgm_ops)"
        )
    elif connection.vendor == "sqlite":
        ensure_sqlite_name_index(connection)


def drop_index(apps, schema_editor):  # type: ignore[no-untyped-def]
    connection = schema_editor.connection
    if connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {TRGM_INDEX}")
    elif connection.vendor == "sqlite":
        drop_sqlite_name_index(connection)


class Migration(migrations.Migration):
    dependencies = [
        ("registry", "0005_roster_groups"),
    ]

    operations = [
        # Does nothing on a database other than PostgreSQL.
        PostgresTrigramExtension(),
        migrations.AddField(
            model_name="child",
            name="search_name",
            field=models.TextField(blank=True, default="", editable=False),
        ),
        migrations.RunPython(fill_search_names, migrations.RunPython.noop),
        migrations.RunPython(create_index, drop_index),
    ]
