"""The three five-year pilots (proeftuinen) of the sources. Schools and budgets are filled in per region."""

from django.db import migrations

PILOTS = [
    ("Samen in de wijk", "area", "Onderwijs, wijkteam en jeugdhulp werken samen in één gebied, zoals Zwolle-Noord."),
    ("Aansluiting speciale vormen van onderwijs", "special_education",
     "Aansluiting tussen speciaal (basis)onderwijs en jeugdhulp."),
    ("Aansluiting onderwijs en specifieke jeugdhulp", "specific_care",
     "Acht geselecteerde scholen halen specifieke jeugdhulp de school in."),
]


def add(apps, schema_editor):
    Pilot = apps.get_model("funding", "Pilot")
    for name, kind, description in PILOTS:
        Pilot.objects.get_or_create(name=name, defaults={"kind": kind, "description": description,
                                                         "start_year": 2025, "years": 5})


class Migration(migrations.Migration):
    dependencies = [("funding", "0001_initial")]
    operations = [migrations.RunPython(add, migrations.RunPython.noop)]
