"""Retention: data are kept no longer than the law allows, configured per record type, removed by a job that
says what it did (or would do), and every removal is in the access log."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from django.core.management import call_command
from django.test import override_settings
from django.utils import timezone

from rondom.access.models import TeamMembership
from rondom.audit.models import AccessLogEntry
from rondom.config import scheduler
from rondom.consent.models import Consent
from rondom.registry.models import Child, ChildNote
from rondom.retention.services import apply_retention
from tests.factories import ChildFactory, GuardianshipFactory, MembershipFactory, NoteFactory, consent_for

pytestmark = pytest.mark.django_db

CARE_ENDED = date(2026, 3, 1)


def years_after(day: date, years: int) -> date:
    return day.replace(year=day.year + years)


@pytest.fixture
def youth_care_note():  # type: ignore[no-untyped-def]
    child = ChildFactory(youth_care_ended_on=CARE_ENDED)
    return NoteFactory(child=child, category="youth_care", text="Behandeling afgerond.")


def test_youth_care_data_are_kept_20_years_after_care_ends(youth_care_note) -> None:  # type: ignore[no-untyped-def]
    day_before = years_after(CARE_ENDED, 20) - timedelta(days=1)
    assert apply_retention(dry_run=False, today=day_before).counts["note.youth_care"] == 0
    assert ChildNote.objects.filter(pk=youth_care_note.pk).exists()
    assert apply_retention(dry_run=False, today=years_after(CARE_ENDED, 20)).counts["note.youth_care"] == 1
    assert not ChildNote.objects.filter(pk=youth_care_note.pk).exists()


def test_youth_care_that_has_not_ended_is_kept() -> None:
    note = NoteFactory(child=ChildFactory(youth_care_ended_on=None), category="youth_care")
    apply_retention(dry_run=False, today=date(2090, 1, 1))
    assert ChildNote.objects.filter(pk=note.pk).exists()


def test_a_dry_run_changes_nothing_and_writes_no_log_rows(youth_care_note) -> None:  # type: ignore[no-untyped-def]
    report = apply_retention(dry_run=True, today=years_after(CARE_ENDED, 21))
    assert report.counts["note.youth_care"] == 1
    assert ChildNote.objects.filter(pk=youth_care_note.pk).exists()
    assert not AccessLogEntry.objects.exists()


def test_every_removal_is_logged_with_ground_retention(youth_care_note) -> None:  # type: ignore[no-untyped-def]
    apply_retention(dry_run=False, today=years_after(CARE_ENDED, 21))
    row = AccessLogEntry.objects.get()
    assert (row.action, row.ground, row.user_id) == ("delete", "retention", None)
    assert row.child_id == youth_care_note.child_id and row.object_id == str(youth_care_note.pk)
    assert row.ground_ref == "rule:retention:note.youth_care"


@override_settings(
    RETENTION_YEARS={
        "note.youth_care": 15,
        "note.health": 20,
        "note.support": 5,
        "note.absence": 5,
        "consent": 5,
        "child": 20,
    }
)
def test_retention_periods_are_configuration(youth_care_note) -> None:  # type: ignore[no-untyped-def]
    assert apply_retention(dry_run=True, today=years_after(CARE_ENDED, 15)).counts["note.youth_care"] == 1


def test_a_child_is_anonymised_only_when_due_and_nothing_is_left() -> None:
    left = date(2026, 7, 1)
    child = ChildFactory(youth_care_ended_on=CARE_ENDED, left_school_on=left, given_name="Noor")
    child.set_bsn("111222333")
    child.save()
    guardianship = GuardianshipFactory(child=child)
    open_consent = consent_for(child, "support_team", None, ["support"])  # no end date: blocks nothing
    ib = MembershipFactory(organisation=child.school, role="intern_begeleider")
    TeamMembership.objects.create(child=child, membership=ib, consent=open_consent)
    note = NoteFactory(child=child, category="support")
    ChildNote.objects.filter(pk=note.pk).update(updated_at=timezone.now() - timedelta(days=365 * 30))
    day_before = apply_retention(dry_run=True, today=years_after(left, 20) - timedelta(days=1))
    assert (day_before.counts["note.support"], day_before.counts["child"]) == (1, 0)
    dry = apply_retention(dry_run=True, today=years_after(left, 20))
    assert dry.counts == {
        "note.youth_care": 0,
        "note.health": 0,
        "note.support": 1,
        "note.absence": 0,
        "consent": 0,
        "child": 1,
    }
    report = apply_retention(dry_run=False, today=years_after(left, 20))
    assert report.counts == dry.counts
    child = Child.objects.get(pk=child.pk)
    assert child.anonymised_at is not None and child.given_name == "Geanonimiseerd" and child.bsn == ""
    assert child.date_of_birth.month == 1 and child.date_of_birth.day == 1
    assert not child.guardianships.exists() and not Consent.objects.filter(child=child).exists()
    assert not type(guardianship).objects.filter(pk=guardianship.pk).exists()
    assert AccessLogEntry.objects.filter(child_id=child.pk, action="update", ground="retention").count() == 1


def test_ended_consents_go_after_their_period() -> None:
    consent = consent_for(ChildFactory(), "wijkteam", None, ["support"])
    Consent.objects.filter(pk=consent.pk).update(valid_until=date(2026, 1, 1))
    assert apply_retention(dry_run=False, today=date(2030, 12, 31)).counts["consent"] == 0
    assert apply_retention(dry_run=False, today=date(2031, 1, 1)).counts["consent"] == 1
    assert not Consent.objects.filter(pk=consent.pk).exists()


def test_the_command_prints_counts_per_record_type(youth_care_note, capsys) -> None:  # type: ignore[no-untyped-def]
    call_command("apply_retention", "--dry-run")
    out = capsys.readouterr().out
    for record_type in ("note.youth_care", "note.health", "note.support", "note.absence", "consent", "child"):
        assert record_type in out
    assert ChildNote.objects.filter(pk=youth_care_note.pk).exists()


def test_the_scheduler_enqueues_retention_once_per_interval(settings, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from django_tasks import task_backends

    settings.VAR_DIR = tmp_path
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    settings.SCHEDULED_TASKS = {"rondom.retention.tasks.apply_retention_task": 24 * 3600}
    assert scheduler.run_due(now=1_000_000.0) == ["rondom.retention.tasks.apply_retention_task"]
    assert scheduler.run_due(now=1_000_060.0) == []  # not due again within the day, also after a restart
    assert scheduler.run_due(now=1_000_000.0 + 24 * 3600) == ["rondom.retention.tasks.apply_retention_task"]
    assert len(task_backends["default"].results) == 2


def test_anonymising_removes_the_casework_and_consents_linked_to_requests() -> None:
    from rondom.cases import services as case_services
    from rondom.cases.models import Case, HelpRequest, Plan, ProviderContact, Signal
    from tests.factories import OrganisationFactory

    left = date(2026, 7, 1)
    child = ChildFactory(left_school_on=left, youth_care_ended_on=None)
    GuardianshipFactory(child=child)
    ib = MembershipFactory(organisation=child.school, role="intern_begeleider").user
    provider = OrganisationFactory(kind="provider")
    contact = MembershipFactory(organisation=provider, role="provider_contact")
    ProviderContact.objects.create(provider=provider, membership=contact, school=child.school)
    signal = Signal.objects.create(
        child=child,
        source="teacher",
        concerns=["learning"],
        description="x",
        conversation_on=date(2026, 5, 1),
        conversation_notes="gesprek",
    )
    case = case_services.register_case(ib, signal, question="?")
    case_services.save_plan(
        ib,
        child,
        goals=[{"domain": "school", "description": "Lezen", "target": "AVI", "owner": "juf"}],
        includes_treatment=False,
        base_version=0,
    )
    consent = consent_for(child, "provider", provider, ["youth_care"])
    case_services.request_help(
        ib,
        case,
        kind="bring_in",
        provider=provider,
        question="?",
        consent=consent,
        categories=["youth_care"],
        ends_on=date.today() + timedelta(days=30),
    )
    report = apply_retention(dry_run=False, today=years_after(left, 20))
    assert report.counts["child"] == 1
    for model in (Case, Signal, Plan, HelpRequest, Consent):
        assert not model.objects.filter(
            **({"case__child": child} if model is HelpRequest else {"child": child})
        ).exists()
    assert AccessLogEntry.objects.filter(child_id=child.pk, object_type="case", action="delete").count() == 1


def test_every_deleted_record_gets_its_own_log_row_from_systeem() -> None:
    child = ChildFactory(youth_care_ended_on=CARE_ENDED)
    notes = [NoteFactory(child=child, category="youth_care") for _ in range(3)]
    consent = consent_for(child, "wijkteam", None, ["support"])
    Consent.objects.filter(pk=consent.pk).update(valid_until=CARE_ENDED)
    report = apply_retention(dry_run=False, today=years_after(CARE_ENDED, 20))
    assert (report.counts["note.youth_care"], report.counts["consent"]) == (3, 1)
    rows = list(AccessLogEntry.objects.order_by("seq"))
    assert {(r.object_type, r.object_id) for r in rows} == {("note", str(n.pk)) for n in notes} | {
        ("consent", str(consent.pk))
    }
    assert all(r.user_id is None and r.user_name == "systeem" and r.ground == "retention" for r in rows)
    assert all(r.action == "delete" and r.child_id == child.pk for r in rows)


def test_health_and_school_entries_count_from_their_last_change() -> None:
    changed = timezone.make_aware(datetime(2026, 5, 10, 15, 0))
    health = NoteFactory(category="health")
    absence = NoteFactory(category="absence")
    ChildNote.objects.filter(pk__in=[health.pk, absence.pk]).update(updated_at=changed)
    five = apply_retention(dry_run=True, today=date(2031, 5, 10)).counts
    assert (five["note.health"], five["note.absence"]) == (0, 1)
    assert apply_retention(dry_run=True, today=date(2031, 5, 9)).counts["note.absence"] == 0
    assert apply_retention(dry_run=True, today=date(2046, 5, 10)).counts["note.health"] == 1


def test_a_consent_counts_from_when_it_ended_and_one_in_force_is_never_due() -> None:
    child = ChildFactory()
    in_force = consent_for(child, "support_team", None, ["support"])
    withdrawn = consent_for(child, "wijkteam", None, ["support"])
    expired_then_withdrawn = consent_for(child, "provider", None, ["support"])
    Consent.objects.filter(pk=withdrawn.pk).update(withdrawn_at=timezone.make_aware(datetime(2027, 2, 1)))
    Consent.objects.filter(pk=expired_then_withdrawn.pk).update(
        valid_until=date(2026, 12, 31), withdrawn_at=timezone.make_aware(datetime(2028, 1, 1))
    )
    assert apply_retention(dry_run=False, today=date(2031, 12, 31)).counts["consent"] == 1
    assert apply_retention(dry_run=False, today=date(2032, 2, 1)).counts["consent"] == 1
    assert list(Consent.objects.filter(child=child)) == [in_force]
    assert apply_retention(dry_run=True, today=date(2099, 1, 1)).counts["consent"] == 0


def test_a_child_with_entries_left_or_still_at_school_is_not_anonymised() -> None:
    left = date(2026, 7, 1)
    with_entry = ChildFactory(left_school_on=left, youth_care_ended_on=None)
    note = NoteFactory(child=with_entry, category="health")
    ChildNote.objects.filter(pk=note.pk).update(updated_at=timezone.make_aware(datetime(2040, 1, 1)))
    at_school = ChildFactory(left_school_on=None, youth_care_ended_on=CARE_ENDED)
    care_goes_on = ChildFactory(left_school_on=left, youth_care_ended_on=date(2030, 1, 1))
    report = apply_retention(dry_run=False, today=years_after(left, 20))
    assert report.counts["child"] == 0
    for child in (with_entry, at_school, care_goes_on):
        child.refresh_from_db()
        assert child.anonymised_at is None
    assert apply_retention(dry_run=False, today=date(2050, 1, 1)).counts["child"] == 1  # care_goes_on


def test_the_command_applies_only_when_asked(youth_care_note, capsys) -> None:  # type: ignore[no-untyped-def]
    call_command("apply_retention")  # no flag: a dry run (today is long before the period ends, nothing is due)
    assert ChildNote.objects.filter(pk=youth_care_note.pk).exists()
    Child.objects.filter(pk=youth_care_note.child_id).update(youth_care_ended_on=date(2000, 1, 1))
    call_command("apply_retention", "--dry-run")
    assert "note.youth_care       1  delete (would)" in capsys.readouterr().out
    assert ChildNote.objects.filter(pk=youth_care_note.pk).exists()
    call_command("apply_retention", "--apply")
    assert "note.youth_care       1  delete (did)" in capsys.readouterr().out
    assert not ChildNote.objects.filter(pk=youth_care_note.pk).exists()
    assert AccessLogEntry.objects.count() == 1


def test_run_scheduler_once_enqueues_the_retention_task(settings, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from django_tasks import task_backends

    settings.VAR_DIR = tmp_path / "var"  # created when missing
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    call_command("run_scheduler", "--once")
    results = task_backends["default"].results
    assert [r.task.module_path for r in results] == list(settings.SCHEDULED_TASKS)
    call_command("run_scheduler", "--once")  # a restart within the interval: the state file remembers
    assert len(task_backends["default"].results) == len(settings.SCHEDULED_TASKS)
    assert (tmp_path / "var" / "scheduler.json").exists()


def test_a_task_that_cannot_be_enqueued_does_not_stop_the_others(settings, tmp_path, caplog) -> None:  # type: ignore[no-untyped-def]
    settings.VAR_DIR = tmp_path
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    settings.SCHEDULED_TASKS = {
        "rondom.retention.tasks.no_such_task": 60,
        "rondom.retention.tasks.apply_retention_task": 24 * 3600,
    }
    assert scheduler.run_due(now=1_000_000.0) == ["rondom.retention.tasks.apply_retention_task"]
    assert "no_such_task" in caplog.text
    assert scheduler.run_due(now=1_000_001.0) == []  # the failed one is tried again on the next pass (fails again)


def test_the_retention_task_applies_and_returns_the_counts(youth_care_note) -> None:  # type: ignore[no-untyped-def]
    from rondom.retention.tasks import apply_retention_task

    Child.objects.filter(pk=youth_care_note.child_id).update(youth_care_ended_on=date(2000, 1, 1))
    counts = apply_retention_task.call()
    assert counts["note.youth_care"] == 1 and list(counts) == [
        "note.youth_care",
        "note.health",
        "note.support",
        "note.absence",
        "consent",
        "child",
    ]
    assert not ChildNote.objects.filter(pk=youth_care_note.pk).exists()
