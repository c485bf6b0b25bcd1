"""Rollups that grow with change, not with history (issue 17): the incremental refresh of a school-month gives the
full rebuild's rows for it, marks coalesce, every hook queues the school-month its fact counts in, frozen school
years keep their published figures (retention and the rebuild leave them; a late correction becomes a
restatement, shown on the dashboard), and the rebuild command repairs. Dates are pinned; nothing reads the clock."""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta
from io import StringIO
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.db import transaction

from rondom.attendance.importer import import_records
from rondom.attendance.models import AbsenceMonth, AbsenceRecord
from rondom.cases.models import Case, CaseStatus, GoalEvaluation, HelpRequest, Plan, SupportTeam
from rondom.core.schoolyear import SchoolYear
from rondom.feedback.models import FeedbackResponse
from rondom.monitoring import rollup
from rondom.monitoring.indicators import Scope, compute_grid
from rondom.monitoring.models import DirtyMonth, FrozenYear, MonthlyFact, Restatement
from rondom.monitoring.tasks import refresh_monitoring_task
from rondom.registry.models import Child, SchoolMove
from rondom.retention.services import apply_retention
from tests.factories import (
    ChildFactory,
    MembershipFactory,
    OrganisationFactory,
    SchoolFactory,
    make_bsn,
    pupil_with_bsn,
)

pytestmark = pytest.mark.django_db
AMSTERDAM = ZoneInfo("Europe/Amsterdam")
NOW = datetime(2026, 9, 15, 10, 0, tzinfo=AMSTERDAM)  # school year 2026-2027: 2024-2025 and 2025-2026 have ended
TODAY = NOW.date()


@pytest.fixture(autouse=True)
def _pinned():  # type: ignore[no-untyped-def]
    """auto_now_add fields (a case status, a help request) and the pages read this moment, never the clock."""
    with time_machine.travel(NOW, tick=False):
        yield


def local(year: int, month: int, day: int, hour: int = 12, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=AMSTERDAM)


def tables() -> set[tuple[Any, ...]]:
    """Both rollups as one set of rows."""
    facts = MonthlyFact.objects.values_list("school_id", "month", "school_year", "fact", "total", "count")
    absence = AbsenceMonth.objects.values_list("school_id", "month", "kind", "minutes", "records")
    return {("fact", *r) for r in facts} | {("absence", *r) for r in absence}


def of_pair(rows: set[tuple[Any, ...]], pair: tuple[int, date]) -> set[tuple[Any, ...]]:
    return {r for r in rows if (r[1], r[2]) == pair}


def close_case(case: Case, at: datetime, *, solved: bool = True) -> CaseStatus:
    """Close a case with its status moment at `at` (as the workflow does, with the clock at `at`)."""
    with time_machine.travel(at, tick=False):
        status = CaseStatus.objects.create(case=case, state="closed")
    case.status, case.solved_within_school = status, solved
    case.save()
    return status


def request_help(case: Case, at: datetime, kind: str = "bring_in") -> HelpRequest:
    with time_machine.travel(at, tick=False):
        return HelpRequest.objects.create(case=case, kind=kind, provider=case.team.school, question="?")


def history(seed: int) -> dict[str, Any]:
    """A small generated history over two school years: three schools, children who move, facts near month ends
    and local midnights (a moment at 00:30 on the 1st counts in that month, not the UTC one)."""
    rng = random.Random(seed)
    schools = [SchoolFactory() for _ in range(3)]
    teams = {s.pk: SupportTeam.objects.create(school=s) for s in schools}
    children = [ChildFactory(school=rng.choice(schools)) for _ in range(8)]
    first = date(2024, 6, 1)

    def day() -> date:
        return first + timedelta(days=rng.randrange(480))

    def moment() -> datetime:
        d = day()
        return local(d.year, d.month, d.day, rng.choice([0, 12, 23]), rng.choice([0, 30]))

    for child in children:
        plan = Plan.objects.create(child=child, version=1, content={})
        for _ in range(rng.randrange(1, 5)):
            GoalEvaluation.objects.create(
                plan=plan, goal_id="g", rater="parent", score=rng.randint(1, 5), evaluated_on=day()
            )
        for n in range(rng.randrange(0, 3)):
            answered = day()
            FeedbackResponse.objects.create(
                plan=plan,
                school=rng.choice(schools),
                respondent="parent",
                round=answered + timedelta(days=n),
                answered_on=answered,
                helps=rng.randint(1, 5),
                wellbeing=rng.choice([None, rng.randint(1, 10)]),
            )
        for _ in range(rng.randrange(0, 3)):
            case = Case.objects.create(
                child=child, team=teams[rng.choice(schools).pk], question="?", decision_due=date(2025, 1, 1)
            )
            for _ in range(rng.randrange(0, 3)):
                request_help(case, moment(), rng.choice(["bring_in", "referral"]))
            if rng.random() < 0.7:
                close_case(case, moment(), solved=rng.random() < 0.5)
        if rng.random() < 0.5:
            SchoolMove.objects.create(
                child=child,
                from_school=child.school,
                to_school=rng.choice(schools),
                kind=rng.choice(["drop_out", "down", "up"]),
                moved_on=day(),
            )
        records = {
            (day(), rng.randrange(0, 4)): rng.choice(["unauthorised", "sick", "late"])
            for _ in range(rng.randrange(3, 12))
        }
        AbsenceRecord.objects.bulk_create(
            AbsenceRecord(child=child, school=child.school, date=d, lesson_hour=h, kind=k, minutes=50 if h else 300)
            for (d, h), k in records.items()
        )
    return {"schools": schools, "children": children, "teams": teams}


def full_rebuild() -> set[tuple[Any, ...]]:
    rollup.refresh_absence()
    rollup.refresh_monthly_facts()
    return tables()


# --- incremental equals full --------------------------------------------------------------------------------------


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_refreshing_one_school_month_gives_the_full_rebuilds_rows_for_it(seed: int) -> None:
    world = history(seed)
    expected = full_rebuild()
    assert expected, "the generated history has facts"
    pairs = sorted({(r[1], r[2]) for r in expected})
    rng = random.Random(seed)
    empty = (world["schools"][0].pk, date(2020, 1, 1))  # a school-month without facts: refreshed to nothing
    for pair in [*rng.sample(pairs, min(6, len(pairs))), empty]:
        # Spoil the pair's rows (gone, and a wrong one in their place), then refresh that pair only.
        MonthlyFact.objects.filter(school_id=pair[0], month=pair[1]).delete()
        AbsenceMonth.objects.filter(school_id=pair[0], month=pair[1]).delete()
        MonthlyFact.objects.create(
            school_id=pair[0],
            month=pair[1],
            school_year=SchoolYear.of(pair[1]).start_year,
            fact="goals",
            total=99,
            count=1,
        )
        other_rows = tables() - of_pair(tables(), pair)
        rollup.refresh_pairs({pair: "test"})
        assert of_pair(tables(), pair) == of_pair(expected, pair)
        assert tables() - of_pair(tables(), pair) == other_rows  # nothing outside the pair was touched
    assert tables() == expected


@pytest.mark.parametrize("seed", [4, 5])
def test_draining_what_the_hooks_queued_gives_the_full_rebuild(seed: int) -> None:
    """Every fact above was saved through the ORM (the hooks queued its school-month); absence was bulk inserted,
    so its months are queued as the importer would. Draining the queue into empty rollups rebuilds them."""
    history(seed)
    rollup.mark_dirty(set(AbsenceRecord.objects.values_list("school_id", "date")), "absence import")
    expected = full_rebuild()
    MonthlyFact.objects.all().delete()
    AbsenceMonth.objects.all().delete()
    marked = set(DirtyMonth.objects.values_list("school_id", "month"))
    assert {(r[1], r[2]) for r in expected} <= marked  # every school-month with a fact was queued
    outcome = rollup.drain(batch=7, now=NOW)
    assert outcome["pairs"] == len(marked) and outcome["batches"] == -(-len(marked) // 7)
    assert tables() == expected
    assert rollup.queued() == 0


# --- coalescing ---------------------------------------------------------------------------------------------------


def test_many_marks_of_a_pair_are_one_refresh_and_a_second_task_finds_nothing() -> None:
    school, other = SchoolFactory(), SchoolFactory()
    for reason in ["absence import", "case change", "plan evaluation", "absence import", "help request"]:
        rollup.mark_dirty([(school.pk, date(2026, 3, 17)), (other.pk, date(2026, 3, 1))], reason, now=NOW)
    rollup.mark_dirty([(school.pk, date(2026, 3, 31))], "school move", now=NOW)
    assert list(DirtyMonth.objects.order_by("school_id").values_list("school_id", "month", "reason")) == [
        (school.pk, date(2026, 3, 1), "absence import"),  # the first reason stays
        (other.pk, date(2026, 3, 1), "absence import"),
    ]
    assert refresh_monitoring_task.call() == {"pairs": 2, "batches": 1, "restatements": 0}
    assert refresh_monitoring_task.call() == {"pairs": 0, "batches": 0, "restatements": 0}  # nothing to do


def test_a_mark_is_offered_again_when_its_transaction_commits(django_capture_on_commit_callbacks) -> None:  # type: ignore[no-untyped-def]
    """A drain that claimed the pair while the change was still uncommitted has not seen it: the second offer,
    after the commit, queues the pair anew."""
    school = SchoolFactory()
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        rollup.mark_dirty([(school.pk, date(2026, 3, 5))], "case change", now=NOW)
        DirtyMonth.objects.all().delete()  # a drain claims the pair before this transaction commits
    assert queued() == {(school.pk, date(2026, 3, 1), "case change")}


def test_a_refresh_replaces_the_pairs_rows_so_a_second_changes_nothing() -> None:
    school = SchoolFactory()
    child = ChildFactory(school=school)
    plan = Plan.objects.create(child=child, version=1, content={})
    GoalEvaluation.objects.create(plan=plan, goal_id="g", rater="parent", score=4, evaluated_on=date(2026, 3, 3))
    rollup.drain(now=NOW)
    once = tables()
    rollup.refresh_pairs({(school.pk, date(2026, 3, 1)): ""})
    assert tables() == once == {("fact", school.pk, date(2026, 3, 1), 2025, "goals", 4, 1)}


# --- the hooks ----------------------------------------------------------------------------------------------------


def queued() -> set[tuple[int, date, str]]:
    return set(DirtyMonth.objects.values_list("school_id", "month", "reason"))


def test_a_case_closed_is_queued_at_its_teams_school_in_the_local_month() -> None:
    home, team_school = SchoolFactory(), SchoolFactory()
    case = Case.objects.create(
        child=ChildFactory(school=home),
        team=SupportTeam.objects.create(school=team_school),
        question="?",
        decision_due=date(2026, 3, 1),
    )
    DirtyMonth.objects.all().delete()
    close_case(case, local(2026, 4, 1, 0, 30))  # 31 March in UTC, April here
    assert queued() == {(team_school.pk, date(2026, 4, 1), "case change")}


def test_reopening_a_closed_case_queues_the_month_it_was_closed_in() -> None:
    school = SchoolFactory()
    case = Case.objects.create(
        child=ChildFactory(school=school),
        team=SupportTeam.objects.create(school=school),
        question="?",
        decision_due=date(2026, 3, 1),
    )
    close_case(case, local(2026, 2, 10))
    DirtyMonth.objects.all().delete()
    with time_machine.travel(local(2026, 5, 4), tick=False):
        case.status = CaseStatus.objects.create(case=case, state="reopened")
    case.save()
    assert (school.pk, date(2026, 2, 1)) in {(s, m) for s, m, _r in queued()}


def test_each_fact_is_queued_where_and_when_it_counts() -> None:
    home, recorded, left = SchoolFactory(), SchoolFactory(), SchoolFactory()
    child = ChildFactory(school=home)
    plan = Plan.objects.create(child=child, version=1, content={})
    case = Case.objects.create(
        child=child, team=SupportTeam.objects.create(school=left), question="?", decision_due=date(2026, 3, 1)
    )
    DirtyMonth.objects.all().delete()
    GoalEvaluation.objects.create(plan=plan, goal_id="g", rater="youth", score=3, evaluated_on=date(2026, 1, 31))
    assert queued() == {(home.pk, date(2026, 1, 1), "plan evaluation")}  # at the child's school

    DirtyMonth.objects.all().delete()
    FeedbackResponse.objects.create(
        plan=plan, school=recorded, respondent="parent", round=date(2026, 2, 2), answered_on=date(2026, 2, 2), helps=4
    )
    assert queued() == {(recorded.pk, date(2026, 2, 1), "feedback answer")}  # at the school recorded with it

    DirtyMonth.objects.all().delete()
    request_help(case, local(2026, 3, 1, 0, 15))
    assert queued() == {(left.pk, date(2026, 3, 1), "help request")}  # at the case's team's school, local month

    DirtyMonth.objects.all().delete()
    SchoolMove.objects.create(child=child, from_school=left, to_school=home, kind="down", moved_on=date(2026, 5, 6))
    assert queued() == {(left.pk, date(2026, 5, 1), "school move")}  # at the school left

    DirtyMonth.objects.all().delete()
    child.school = recorded
    child.save()  # its goal scores now count at the new school: both schools' months
    assert queued() == {(home.pk, date(2026, 1, 1), "school change"), (recorded.pk, date(2026, 1, 1), "school change")}


def test_an_absence_import_queues_that_schools_months_of_the_file() -> None:
    school = SchoolFactory()
    admin = MembershipFactory(organisation=school, role="functional_admin").user
    pupil = pupil_with_bsn(1, school=school)
    DirtyMonth.objects.all().delete()
    report = import_records(
        [
            {"bsn": make_bsn(1), "date": "2026-02-27", "kind": "unauthorised", "hours": "2"},
            {"bsn": make_bsn(1), "date": "2026-03-02", "kind": "sick", "hours": "5"},
        ],
        school_id=school.pk,
        user=admin,
        today=TODAY,
    )
    assert report.ok and report.inserted == 2, report.errors
    assert queued() == {
        (school.pk, date(2026, 2, 1), "absence import"),
        (school.pk, date(2026, 3, 1), "absence import"),
    }
    assert rollup.drain(now=NOW)["pairs"] == 2
    assert set(AbsenceMonth.objects.values_list("school_id", "month", "kind", "minutes")) == {
        (school.pk, date(2026, 2, 1), "unauthorised", 120),
        (school.pk, date(2026, 3, 1), "sick", 300),
    }
    assert pupil.absences.count() == 2


def _retired_child(school: Any, closed_at: datetime) -> Child:
    """A child whose retention period has passed, with one closed case and one goal score."""
    child = ChildFactory(school=school, left_school_on=date(2000, 1, 1))
    plan = Plan.objects.create(child=child, version=1, content={})
    GoalEvaluation.objects.create(plan=plan, goal_id="g", rater="parent", score=5, evaluated_on=closed_at.date())
    case = Case.objects.create(
        child=child,
        team=SupportTeam.objects.get_or_create(school=school)[0],
        question="?",
        decision_due=date(2025, 1, 1),
    )
    close_case(case, closed_at)
    return child


def test_retention_queues_the_months_of_open_years_and_leaves_frozen_years_alone() -> None:
    school = SchoolFactory()
    _retired_child(school, local(2024, 11, 5))  # school year 2024-2025: frozen below
    _retired_child(school, local(2025, 11, 5))  # 2025-2026: open
    full_rebuild()
    rollup.drain(now=NOW)
    published = tables()
    rollup.freeze(SchoolYear(2024), None, today=TODAY, now=NOW)
    DirtyMonth.objects.all().delete()

    apply_retention(dry_run=False, today=TODAY)
    assert not Case.objects.exists() and not GoalEvaluation.objects.exists()  # the raw rows are gone
    assert queued() == {(school.pk, date(2025, 11, 1), "retention")}  # not November 2024 (frozen)
    rollup.drain(now=NOW)
    frozen_rows = {r for r in published if r[2] == date(2024, 11, 1)}
    assert tables() == frozen_rows  # the open year's figures went with its rows; the frozen year's stay
    full_rebuild()
    assert tables() == frozen_rows  # the full rebuild leaves the frozen year as published too
    assert not Restatement.objects.exists()  # deleting raw rows of a reported year is not a correction


# --- frozen years and restatements --------------------------------------------------------------------------------


@pytest.fixture
def reported() -> dict[str, Any]:
    """A pilot school with closed cases in school year 2024-2025, reported (frozen) by the policy officer."""
    from rondom.funding.models import Pilot

    school, other = SchoolFactory(name="De Wijde Blik"), SchoolFactory()
    other.municipality = school.municipality
    other.save()
    pilot = Pilot.objects.get(kind="specific_care")
    pilot.schools.add(school)
    team = SupportTeam.objects.create(school=school)
    children = [ChildFactory(school=school) for _ in range(6)]
    for n, child in enumerate(children):
        case = Case.objects.create(child=child, team=team, question="?", decision_due=date(2024, 9, 1))
        close_case(case, local(2025, 3, 3), solved=n < 3)  # 3 of 6 solved within school: 50,0 %
    gemeente = OrganisationFactory(kind="municipality", municipality=school.municipality)
    officer = MembershipFactory(organisation=gemeente, role="policy_officer").user
    full_rebuild()
    return {"school": school, "pilot": pilot, "officer": officer, "children": children, "team": team}


def test_a_late_correction_of_a_frozen_year_is_a_restatement_not_a_new_figure(reported) -> None:  # type: ignore[no-untyped-def]
    school = reported["school"]
    rollup.freeze(SchoolYear(2024), reported["officer"], today=TODAY, now=NOW)
    published = tables()
    # A case closed now, with an earlier date (in the reported year), and solved within school.
    late = Case.objects.create(
        child=reported["children"][0], team=reported["team"], question="?", decision_due=date(2024, 9, 1)
    )
    close_case(late, local(2025, 3, 20))
    assert rollup.drain(now=NOW) == {"pairs": 1, "batches": 1, "restatements": 1}
    assert tables() == published  # the published figures did not change
    restated = Restatement.objects.get()
    assert (restated.school_id, restated.month, restated.school_year, restated.fact) == (
        school.pk,
        date(2025, 3, 1),
        2024,
        "solved",
    )
    assert (restated.published_total, restated.published_count) == (3, 6)
    assert (restated.corrected_total, restated.corrected_count) == (4, 7)
    assert (restated.recorded_at, restated.reason) == (NOW, "case change")

    scopes = {"pilot": Scope(frozenset({school.pk}))}
    year = SchoolYear(2024)
    assert compute_grid(scopes, [year])[("pilot", year)]["solved_in_school"].value == 50  # published
    assert str(compute_grid(scopes, [year], restated=True)[("pilot", year)]["solved_in_school"].value) == "57.1"

    # The same correction queued again records nothing new; undoing it records that the figure is back.
    rollup.mark_dirty([(school.pk, date(2025, 3, 1))], "case change")
    assert rollup.drain(now=NOW)["restatements"] == 0
    late.status = CaseStatus.objects.create(case=late, state="reopened")  # reopened: the hook queues March
    late.save()
    assert rollup.drain(now=NOW)["restatements"] == 1
    assert rollup.current_restatements([school.pk], [2024]) == []


def test_an_absence_import_correcting_a_frozen_month_is_a_restatement(reported) -> None:  # type: ignore[no-untyped-def]
    school = reported["school"]
    admin = MembershipFactory(organisation=school, role="functional_admin").user
    pupil_with_bsn(7, school=school)
    row = {"bsn": make_bsn(7), "date": "2025-05-12", "kind": "unauthorised", "hours": "3"}
    assert import_records([row], school_id=school.pk, user=admin, today=TODAY).ok
    rollup.drain(now=NOW)
    rollup.freeze(SchoolYear(2024), None, today=TODAY, now=NOW)
    assert import_records([{**row, "hours": "5"}], school_id=school.pk, user=admin, today=TODAY).updated == 1
    rollup.drain(now=NOW)
    assert AbsenceMonth.objects.get(school=school).minutes == 180  # as published
    restated = Restatement.objects.get()
    assert (restated.fact, restated.published_total, restated.corrected_total) == ("absence_unauthorised", 180, 300)
    assert restated.reason == "absence import"
    from rondom.attendance.services import refresh_absence_months

    refresh_absence_months()  # the full rebuild leaves the frozen month as published too
    assert AbsenceMonth.objects.get(school=school).minutes == 180


def test_the_dashboard_shows_the_restated_figure_next_to_the_published_one(login, reported) -> None:  # type: ignore[no-untyped-def]
    rollup.freeze(SchoolYear(2024), reported["officer"], today=TODAY, now=NOW)
    late = Case.objects.create(
        child=reported["children"][1], team=reported["team"], question="?", decision_due=date(2024, 9, 1)
    )
    close_case(late, local(2025, 3, 20))
    rollup.drain(now=NOW)
    client = login(reported["officer"])
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "nl"
    html = client.get(f"/monitoring/?pilot={reported['pilot'].pk}&year=2024-2025").content.decode()
    row = html.split('id="indicators"')[1].split("</table>")[0]
    solved = next(r for r in row.split("<tr") if "binnen school" in r.lower() or "opgelost" in r.lower())
    first_cell = solved.split('<td class="utrecht-table__cell">')[1].split("</td>")[0]
    assert first_cell.startswith("50,0") and "Herzien cijfer" in first_cell and "57,1" in first_cell
    table = html.split('id="restatements"')[1].split("</table>")[0]
    assert "De Wijde Blik" in table and "maart 2025" in table and "3 / 6" in table and "4 / 7" in table
    assert "casus gewijzigd" in table
    assert 'id="frozen-year"' in html


def test_policy_staff_freeze_an_ended_year_from_the_dashboard(login, reported) -> None:  # type: ignore[no-untyped-def]
    client = login(reported["officer"])
    page = client.get(f"/monitoring/?pilot={reported['pilot'].pk}").content.decode()
    form = page.split('id="freeze-year"')[1].split("</form>")[0]
    assert '<option value="2025-2026">' in form and "2026-2027" not in form  # the running year is not offered
    assert 'name="confirm"' in form and 'name="note"' in form and "niet ongedaan" in form
    # Without saying where the figures were published, or without confirming, nothing is frozen: a clear message.
    for incomplete in ({"note": "Raadsbrief 12 maart"}, {"confirm": "yes"}, {"confirm": "yes", "note": "   "}):
        answer = client.post("/monitoring/vastzetten/", {"year": "2024-2025", **incomplete}, follow=True)
        assert answer.status_code == 200 and "er is niets vastgezet" in answer.content.decode()
    assert not FrozenYear.objects.exists()
    answer = client.post(
        "/monitoring/vastzetten/",
        {"year": "2024-2025", "pilot": reported["pilot"].pk, "note": "Raadsbrief 12 maart", "confirm": "yes"},
    )
    assert answer.status_code == 302 and "year=2024-2025" in answer["Location"]
    frozen = FrozenYear.objects.get()
    assert (frozen.school_year, frozen.frozen_by, frozen.frozen_at) == (2024, reported["officer"], NOW)
    assert frozen.note == "Raadsbrief 12 maart"
    # The running year and nonsense: a message on the dashboard, never a bare error page, and nothing frozen.
    for year in ("2026-2027", "abc", ""):
        answer = client.post("/monitoring/vastzetten/", {"year": year, "note": "x", "confirm": "yes"}, follow=True)
        assert answer.status_code == 200 and 'id="freeze-year"' in answer.content.decode()
    school_admin = MembershipFactory(organisation=reported["school"], role="functional_admin").user
    assert login(school_admin).post("/monitoring/vastzetten/", {"year": "2025-2026"}).status_code == 403
    assert FrozenYear.objects.count() == 1


def test_only_an_ended_school_year_can_be_frozen() -> None:
    with pytest.raises(ValidationError):
        rollup.freeze(SchoolYear(2026), None, today=TODAY, now=NOW)
    assert rollup.freeze(SchoolYear(2025), None, today=TODAY, now=NOW).school_year == 2025
    assert rollup.freeze(SchoolYear(2025), None, today=TODAY, now=NOW + timedelta(days=1)).frozen_at == NOW


# --- the commands -------------------------------------------------------------------------------------------------


def test_the_rebuild_command_repairs_and_keeps_frozen_years(reported) -> None:  # type: ignore[no-untyped-def]
    rollup.freeze(SchoolYear(2024), None, today=TODAY, now=NOW)
    published = tables()
    MonthlyFact.objects.filter(school_year=2025).delete()
    Case.objects.filter(team=reported["team"]).update(solved_within_school=False)  # bypasses every hook
    out = StringIO()
    call_command("rebuild_rollups", stdout=out)
    text = out.getvalue()
    assert "frozen school years kept as published: 2024-2025" in text
    assert "[1/8] absence" in text and "[8/8] down" in text
    assert tables() == published  # 2024-2025 as published although the raw rows say otherwise now


def test_the_freeze_command_records_the_year(reported) -> None:  # type: ignore[no-untyped-def]
    out = StringIO()
    call_command(
        "freeze_school_year", "2024-2025", "--user", reported["officer"].username, "--note", "Raad", stdout=out
    )
    assert FrozenYear.objects.get().frozen_by == reported["officer"] and "2024-2025 frozen" in out.getvalue()


def test_the_freeze_command_is_no_way_around_the_task_right(reported) -> None:  # type: ignore[no-untyped-def]
    """Only a person who may publish the figures on the dashboard can freeze a year with the command, and says where
    they were published (new-user trial: `--user ib` and no user at all were recorded as publisher)."""
    school_admin = MembershipFactory(organisation=reported["school"], role="functional_admin").user
    for argv in (
        ["--user", school_admin.username, "--note", "Raad"],
        ["--user", "nobody-here", "--note", "Raad"],
        ["--user", reported["officer"].username, "--note", "  "],
    ):
        with pytest.raises(CommandError):
            call_command("freeze_school_year", "2024-2025", *argv, stdout=StringIO())
    with pytest.raises(CommandError):  # no --user at all
        call_command("freeze_school_year", "2024-2025", stdout=StringIO(), stderr=StringIO())
    assert not FrozenYear.objects.exists()


# --- bulk moves that no save hook sees ----------------------------------------------------------------------------


def _settled(seed: int) -> dict[str, Any]:
    """A history whose rollups are current and whose queue is empty."""
    world = history(seed)
    full_rebuild()
    DirtyMonth.objects.all().delete()
    return world


@pytest.mark.parametrize("seed", [6, 7])
def test_children_moved_in_a_bulk_write_refresh_both_schools_months(seed: int) -> None:
    """The roster import and a warm transfer change a child's school with bulk writes (no save hook): marking the
    children before and after the write, then draining, gives exactly the full rebuild's rows (goal scores count at
    the child's school now, so both schools' months change)."""
    world = _settled(seed)
    movers = [c for c in world["children"] if Plan.objects.filter(child=c, evaluations__isnull=False).exists()][:3]
    assert movers
    target = SchoolFactory()
    ids = [c.pk for c in movers]
    rollup.mark_children_moved(ids, "roster")
    Child.objects.filter(pk__in=ids).update(school=target)  # as bulk_update does: no save hook
    rollup.mark_children_moved(ids, "roster")
    assert rollup.queued() > 0
    rollup.drain(now=NOW)
    after_drain = tables()
    assert after_drain == full_rebuild()
    assert any(r[1] == target.pk for r in after_drain)  # the scores now count at the new school


def test_a_move_queues_nothing_of_a_frozen_year() -> None:
    school = SchoolFactory()
    child = ChildFactory(school=school)
    plan = Plan.objects.create(child=child, version=1, content={})
    GoalEvaluation.objects.create(plan=plan, goal_id="g", rater="parent", score=3, evaluated_on=date(2024, 10, 3))
    GoalEvaluation.objects.create(plan=plan, goal_id="g", rater="parent", score=4, evaluated_on=date(2026, 9, 3))
    FrozenYear.objects.create(school_year=2024, frozen_at=NOW)
    DirtyMonth.objects.all().delete()
    rollup.mark_children_moved([child.pk], "transfer")
    assert set(DirtyMonth.objects.values_list("school_id", "month")) == {(school.pk, date(2026, 9, 1))}


def test_the_restatements_table_withholds_a_correction_that_rests_on_few(login, reported) -> None:  # type: ignore[no-untyped-def]
    # One pupil's absence in one month (one record) corrected after the freeze: the dashboard never shows a figure
    # that rests on fewer than RONDOM_MONITORING_MIN_CELL, so neither may the restatements table (published 180
    # minutes / 1 record, corrected 300 / 1 would single the pupil out).
    school = reported["school"]
    admin = MembershipFactory(organisation=school, role="functional_admin").user
    pupil_with_bsn(7, school=school)
    row = {"bsn": make_bsn(7), "date": "2025-05-12", "kind": "unauthorised", "hours": "3"}
    assert import_records([row], school_id=school.pk, user=admin, today=TODAY).ok
    rollup.drain(now=NOW)
    rollup.freeze(SchoolYear(2024), None, today=TODAY, now=NOW)
    assert import_records([{**row, "hours": "5"}], school_id=school.pk, user=admin, today=TODAY).updated == 1
    rollup.drain(now=NOW)
    client = login(reported["officer"])
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "nl"
    html = client.get(f"/monitoring/?pilot={reported['pilot'].pk}&year=2024-2025").content.decode()
    table = html.split('id="restatements"')[1].split("</table>")[0]
    assert "mei 2025" in table and "afgeschermd (&lt;5)" in table
    assert "180" not in table and "300" not in table and "/ 1" not in table


def test_a_school_changed_through_the_child_update_queues_both_schools_months() -> None:
    # records.services.update_child (the page and the API) writes the new school with one versioned UPDATE, which no
    # save hook sees: the child's goal scores must still move from the old school's months to the new one's.
    from rondom.records.services import update_child

    home, new = SchoolFactory(), SchoolFactory()
    new.municipality = home.municipality
    new.save()
    actor = MembershipFactory(organisation=home, role="intern_begeleider").user
    MembershipFactory(organisation=new, role="intern_begeleider", user=actor)
    child = ChildFactory(school=home, home_municipality=home.municipality)
    plan = Plan.objects.create(child=child, version=1, content={})
    GoalEvaluation.objects.create(plan=plan, goal_id="g", rater="youth", score=3, evaluated_on=date(2026, 1, 31))
    DirtyMonth.objects.all().delete()
    update_child(actor, child, {"school": new}, version=child.version)
    assert Child.objects.get(pk=child.pk).school_id == new.pk
    assert set(DirtyMonth.objects.values_list("school_id", "month")) == {
        (home.pk, date(2026, 1, 1)),
        (new.pk, date(2026, 1, 1)),
    }
