"""The default escalation ladder (a region with its own agreements adds levels for its municipality)."""

from django.db import migrations

LADDER = [
    (1, "School", [("intern_begeleider", "school"), ("zorgcoordinator", "school")], 10),
    (2, "Samenwerkingsverband / wijkteam", [("policy_officer", "swv"), ("wijkteam_worker", "wijkteam")], 10),
    (3, "Gemeente / leerplicht", [("leerplicht_officer", "leerplicht"), ("policy_officer", "municipality")], 10),
    (4, "Stuurgroep / wethouder", [("policy_officer", "municipality")], 15),
]


def add(apps, schema_editor):
    Level = apps.get_model("thuiszitters", "EscalationLevel")
    if Level.objects.filter(municipality__isnull=True).exists():
        return
    for rank, name, deciders, days in LADDER:
        Level.objects.create(
            rank=rank,
            name=name,
            deciders=[{"role": role, "kind": kind} for role, kind in deciders],
            deadline_working_days=days,
        )


class Migration(migrations.Migration):
    dependencies = [("thuiszitters", "0001_initial")]
    operations = [migrations.RunPython(add, migrations.RunPython.noop)]
