"""The database itself refuses to change or remove access-log rows (PostgreSQL and SQLite)."""

from django.db import migrations

TABLE = "audit_accesslogentry"

POSTGRES_UP = f"""
CREATE OR REPLACE FUNCTION rondom_audit_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'the access log is append-only';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER rondom_audit_no_update BEFORE UPDATE OR DELETE ON {TABLE}
    FOR EACH ROW EXECUTE FUNCTION rondom_audit_append_only();
CREATE TRIGGER rondom_audit_no_truncate BEFORE TRUNCATE ON {TABLE}
    FOR EACH STATEMENT EXECUTE FUNCTION rondom_audit_append_only();
"""
POSTGRES_DOWN = f"""
DROP TRIGGER IF EXISTS rondom_audit_no_update ON {TABLE};
DROP TRIGGER IF EXISTS rondom_audit_no_truncate ON {TABLE};
DROP FUNCTION IF EXISTS rondom_audit_append_only();
"""
SQLITE_UP = [
    f"CREATE TRIGGER rondom_audit_no_update BEFORE UPDATE ON {TABLE} "
    "BEGIN SELECT RAISE(ABORT, 'the access log is append-only'); END;",
    f"CREATE TRIGGER rondom_audit_no_delete BEFORE DELETE ON {TABLE} "
    "BEGIN SELECT RAISE(ABORT, 'the access log is append-only'); END;",
]
SQLITE_DOWN = ["DROP TRIGGER IF EXISTS rondom_audit_no_update;", "DROP TRIGGER IF EXISTS rondom_audit_no_delete;"]


def forwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(POSTGRES_UP)
    elif vendor == "sqlite":
        for statement in SQLITE_UP:
            schema_editor.execute(statement)
    ChainHead = apps.get_model("audit", "ChainHead")
    ChainHead.objects.get_or_create(pk=1)


def backwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(POSTGRES_DOWN)
    elif vendor == "sqlite":
        for statement in SQLITE_DOWN:
            schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("audit", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards)]
