"""Records for the accessibility test (tests/e2e/test_accessibility.py), run inside the demo server's database:

    manage.py shell -c "from tests.e2e.a11y_data import main; main()"

`seed()` adds what `load_demo --small` lacks for a page to exist, through the same services the pages use, and
only around Emma Meijer (De Esch), whom no other browser test uses: four weeks of unauthorised absence imported
by the functioneel beheerder (an import report, absence signals, a thuiszitter period), a signal with the
conversation and a case (the help-request form) with a referral to Trias (the provider ratings form), and a new
colleague who has not linked an authenticator app yet (the set-up page), and a roster upload of De Esch waiting for
the beheerder's confirmation with a saved column mapping (the roster import's pages). `ids()` prints, per model,
primary keys with the child each record belongs to, so the test can fill URL parameters such as
<child_id>/<signal_id> with records that belong together. Idempotent."""

from __future__ import annotations

import json
from datetime import date, time, timedelta
from pathlib import Path
from typing import Any

from django.apps import apps
from django.conf import settings
from django.core.management import call_command
from django.db import models, transaction
from django.utils import timezone

MARK = "[a11y]"
NEW_COLLEAGUE = "a11y-nieuw"  # a professional without an authenticator app (sees the set-up page)
ROWS_PER_MODEL = 25
OUTPUT_PREFIX = "A11Y-IDS "


def _school_days(count: int, today: date) -> list[date]:
    """The last `count` school days before today at De Esch (holidays skipped, as the protocols count them)."""
    from rondom.demo.absence import school_days

    return school_days(today - timedelta(days=1), count)


def seed() -> None:
    from rondom.accounts.models import Membership, Organisation, User
    from rondom.cases import meetings
    from rondom.cases import services as cases
    from rondom.cases.models import AgendaItem, Case
    from rondom.core.roles import Role
    from rondom.demo.absence import DEMO_BSNS, MAPPING
    from rondom.demo.data import DEMO_PASSWORD
    from rondom.registry.models import Child

    if Case.objects.filter(question__startswith=MARK).exists():
        return
    today = timezone.localdate()
    emma = Child.objects.get(given_name="Emma", family_name="Meijer")
    export = Path(settings.VAR_DIR) / "demo" / "a11y-verzuim.csv"
    export.parent.mkdir(parents=True, exist_ok=True)
    rows = [f"{DEMO_BSNS['Emma']};{d:%d-%m-%Y};O;5,5;" for d in _school_days(21, today)]
    export.write_text("BSN;Datum;Soort;Uren;Lesuur\n" + "\n".join(rows) + "\n", encoding="utf-8")
    call_command("import_absence", str(export), school="12AB00", mapping=MAPPING, user="beheer", no_progress=True)
    call_command("run_absence_pass")

    ib = User.objects.get(username="ib")
    signal = cases.raise_signal(
        ib, emma, source="teacher", concerns=["attendance"], description=f"{MARK} Emma is vaak afwezig."
    )
    cases.record_conversation(ib, signal, on=today, notes="Moeder herkent het.", with_child=False)
    case = cases.register_case(ib, signal, question=f"{MARK} Hoe krijgen we Emma weer op school?")
    # A referral to a provider: De Esch has then worked with Trias, so the provider ratings page shows its form.
    cases.request_help(
        ib,
        case,
        kind="referral",
        provider=Organisation.objects.get(name="Trias Jeugdhulp"),
        question=f"{MARK} Verwijzing via de huisarts.",
    )
    # On the agenda of the team's next meeting, with a decision and an action for the teacher (issue 14, point 6):
    # the agenda item's page and "Mijn acties" have something to show.
    meeting = meetings.plan_meeting(
        ib, case.team, on=today + timedelta(days=7), starts_at=time(15, 0), place="Lokaal 12", today=today
    )
    item = cases.put_on_agenda(ib, case, meeting, [], today=today)
    meetings.record_decision(ib, item, f"{MARK} Gesprek met leerplicht en ouders.")
    teacher = Membership.objects.get(user__username="leerkracht")
    cases.add_action(
        ib,
        case,
        description=f"{MARK} Aanwezigheid bijhouden.",
        owner=teacher,
        due=today + timedelta(days=5),
        agenda_item=item,
    )

    # Noor (the demo parent's daughter) discussed in last week's meeting with minutes, her parents invited (issue 16,
    # part 2): the portal's minutes page, where the parent agrees with the minutes, has something to show.
    noor = Child.objects.get(given_name="Noor")
    noor_signal = cases.raise_signal(
        ib, noor, source="teacher", concerns=["learning"], description=f"{MARK} Noor leest moeizaam."
    )
    cases.record_conversation(ib, noor_signal, on=today, notes="Ouders herkennen het.", with_child=False)
    noor_case = cases.register_case(ib, noor_signal, question=f"{MARK} Wat helpt Noor bij het lezen?")
    noor_item = cases.put_on_agenda(ib, noor_case, meeting, [], today=today)
    AgendaItem.objects.filter(pk=noor_item.pk).update(
        minutes="Besproken hoe Noor het lezen oefent. Ouders lezen thuis elke dag tien minuten mee.",
        parents_invited=True,
    )
    # Solved in that meeting: closed, so that Noor has no open case and other browser tests can register one for her.
    cases.change_state(ib, noor_case, "closed", reason=f"{MARK} Opgelost in het overleg: thuis samen lezen.")

    # A roster upload of De Esch dry-run by the functioneel beheerder (issue 15): the report page with its
    # confirmation has something to show. Through the page's own service and the real EDEXML reader.
    from django.core.files.uploadedfile import SimpleUploadedFile

    from rondom.demo import rosters
    from rondom.roster import uploads
    from rondom.roster.edexml_writer import write_edexml

    esch = Organisation.objects.get(name="Basisschool De Esch")
    roster = rosters.build_roster(esch, [], today=today, kept=rosters.known_pupils(esch, today))
    document = write_edexml(roster, created=timezone.now())
    record = uploads.start_upload(
        User.objects.get(username="beheer"), esch, "edexml", SimpleUploadedFile("de-esch.xml", document)
    )
    uploads.run_check(record, today=today)
    # A saved column mapping of De Esch's pupils spreadsheet (the mapping pages have one to edit).
    uploads.save_mapping(
        User.objects.get(username="beheer"),
        esch,
        {
            "name": "ParnasSys leerlingen",
            "kind": "pupils",
            "date_format": "%d-%m-%Y",
            "columns": {
                "key": "Leerlingnummer",
                "given_name": "Roepnaam",
                "family_name": "Achternaam",
                "date_of_birth": "Geboortedatum",
                "group": "Groep",
            },
        },
    )

    with transaction.atomic():
        colleague, created = User.objects.get_or_create(
            username=NEW_COLLEAGUE, defaults={"first_name": "Nieuwe", "last_name": "Collega"}
        )
        if created:
            colleague.set_password(DEMO_PASSWORD)
            colleague.save()
        Membership.objects.get_or_create(
            user=colleague,
            organisation=Organisation.objects.get(name="Hogeschool Windesheim"),
            role=Role.POLICY_OFFICER,
        )


def _child_path(model: type[models.Model]) -> str | None:
    """The lookup from a record to its child: its own `child`, or one foreign key away (an agenda item's case)."""
    names = {f.name for f in model._meta.get_fields()}
    if "child" in names and model._meta.label != "registry.Child":
        return "child_id"
    for field in model._meta.get_fields():
        if field.many_to_one or field.one_to_one:
            related = field.related_model
            if (
                related is not None
                and not field.auto_created
                and "child" in {f.name for f in related._meta.get_fields()}
            ):
                return f"{field.name}__child_id"
    return None


def ids() -> dict[str, list[dict[str, Any]]]:
    found: dict[str, list[dict[str, Any]]] = {}
    for model in apps.get_models():
        path = _child_path(model)
        records = model.objects.order_by("pk")
        if model._meta.label == "registry.Child":
            pairs = [(pk, pk) for pk in records.values_list("pk", flat=True)[:ROWS_PER_MODEL]]
        elif path:
            pairs = list(records.values_list("pk", path)[:ROWS_PER_MODEL])
        else:
            pairs = [(pk, None) for pk in records.values_list("pk", flat=True)[:ROWS_PER_MODEL]]
        found[model._meta.label] = [{"pk": pk, "child": child} for pk, child in pairs]
    return found


def main() -> None:
    seed()
    print(OUTPUT_PREFIX + json.dumps(ids(), default=str))
