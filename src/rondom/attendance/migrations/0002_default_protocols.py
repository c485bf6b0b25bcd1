"""The default absence protocols (regions change or add their own; thresholds are data, not code)."""

from django.db import migrations

PROTOCOLS = [
    {
        "name": "Ongeoorloofd verzuim: 16 uur in 4 weken",
        "description": "Wettelijke meldplicht: 16 uur ongeoorloofd verzuim binnen 4 weken melden bij leerplicht "
        "(DUO verzuimloket) binnen 5 werkdagen.",
        "kinds": ["unauthorised"],
        "metric": "hours_in_window",
        "threshold": "16",
        "window_days": 28,
        "signal_role": "leerplicht_officer",
        "due_working_days": 5,
    },
    {
        "name": "Ziekteverzuim: signaal jeugdarts",
        "description": "Veel ziekteverzuim: de jeugdarts (M@ZL) krijgt een signaal. Het protocol in de bronnen meldt "
        "pas bij 100 uur; de jeugdarts wil eerder. Deze drempel is aan te passen.",
        "kinds": ["sick"],
        "metric": "hours_in_window",
        "threshold": "100",
        "window_days": 84,
        "signal_role": "youth_doctor",
        "due_working_days": 10,
    },
    {
        "name": "Relatief verzuim langer dan 4 weken",
        "description": "Een ingeschreven leerling die 4 weken (20 schooldagen) aaneen niet op school is, met of zonder "
        "toestemming, komt in het thuiszittersregister en leerplicht krijgt een signaal.",
        "kinds": ["unauthorised", "authorised", "sick", "exemption"],
        "metric": "consecutive_days",
        "threshold": "20",
        "window_days": 28,
        "signal_role": "leerplicht_officer",
        "due_working_days": 5,
        "registers_thuiszitter": True,
    },
]


def add(apps, schema_editor):
    Protocol = apps.get_model("attendance", "AbsenceProtocol")
    for values in PROTOCOLS:
        Protocol.objects.get_or_create(name=values["name"], defaults=values)


class Migration(migrations.Migration):
    dependencies = [("attendance", "0001_initial")]
    operations = [migrations.RunPython(add, migrations.RunPython.noop)]
