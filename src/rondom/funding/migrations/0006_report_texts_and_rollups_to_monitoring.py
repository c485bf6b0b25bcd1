"""The report texts and the monitoring's rollups moved to the `monitoring` app (issue 13). State only: the tables
keep their names (`db_table` on the monitoring models), so no row moves. See monitoring 0001."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("funding", "0005_werkplan_version_apirobust"),
        ("monitoring", "0001_initial_monitoring"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.DeleteModel(name="RollupRefresh"),
                migrations.DeleteModel(name="MonthlyFact"),
                migrations.DeleteModel(name="ReportText"),
            ],
            database_operations=[],
        ),
    ]
