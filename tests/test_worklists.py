"""Every list is a work list (issue 14, point 1): the children list, 'Mijn casussen', the absence signals, the
notifications and the thuiszitter register page on the server with true counts (never a silent cap), filter and
sort by GET parameters, say why they are empty, log one access-log row per child shown and build a page in a
bounded number of queries (no query per row). Time is pinned: overdue is decided against a fixed `today`."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from rondom.access.models import TeamMembership
from rondom.accounts.models import User
from rondom.attendance.models import AbsenceProtocol, ThresholdSignal
from rondom.audit.models import AccessLogEntry
from rondom.cases.models import Case, CaseStatus, SupportTeam
from rondom.notifications.models import Notification
from rondom.notifications.services import notify
from rondom.registry.models import Child
from rondom.thuiszitters.models import Thuiszitter
from rondom.worklist import paginate
from tests.conftest_helpers import verified_client
from tests.factories import (
    ChildFactory,
    GroupTeacherFactory,
    MembershipFactory,
    MunicipalityFactory,
    OrganisationFactory,
    SchoolFactory,
    SchoolGroupFactory,
)

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 3, 10, 10, 0, tzinfo=ZoneInfo("Europe/Amsterdam"))
TODAY = NOW.date()


@pytest.fixture(autouse=True)
def _pinned() -> Iterator[None]:
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def en(client):  # type: ignore[no-untyped-def]
    """Log in with pages in English (the msgids; test_translations checks the Dutch catalog)."""

    def _login(user: User):  # type: ignore[no-untyped-def]
        logged_in = verified_client(client, user)
        logged_in.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
        return logged_in

    return _login


def _rows(**filters: Any) -> list[AccessLogEntry]:
    return list(AccessLogEntry.objects.filter(**filters).order_by("seq"))


def _last_seq() -> int:
    last = AccessLogEntry.objects.order_by("-seq").first()
    return last.seq if last else 0


def _names_in(page: str, table: str) -> list[str]:
    body = page.split(f'id="{table}"', 1)[1].split("</table>", 1)[0]
    return re.findall(r'<a class="utrecht-link" href="[^"]+">([^<]+)</a>', body)


def _count_queries(client, url: str) -> int:  # type: ignore[no-untyped-def]
    """The queries of a page as a user at work asks it: the session's renewal (at most once a minute,
    config.middleware.SessionRenewalMiddleware) falls on the first request, not on the one counted."""
    client.get(url)
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured.captured_queries)


# --- The shared pager ----------------------------------------------------------------------------------------------


def test_the_pager_counts_everything_and_never_breaks_on_a_bad_page_number() -> None:
    rows = list(range(60))
    first = paginate(rows, "x", params={"school": 3, "group": ""})
    assert (first.count, first.number, first.start, first.end, first.num_pages) == (60, 1, 1, 25, 3)
    assert first.url(2) == "?school=3&page=2"  # filters kept, empty ones left out
    last = paginate(rows, "99")
    assert (last.number, last.start, last.end, len(last.items)) == (3, 51, 60, 10)
    empty = paginate([], "1")
    assert (empty.count, empty.start, empty.end) == (0, 0, 0)
    many = paginate(list(range(500)), "10")
    assert many.numbers == [1, None, 8, 9, 10, 11, 12, None, 20]


# --- The children list ---------------------------------------------------------------------------------------------


@pytest.fixture
def pupils() -> dict[str, Any]:
    school = SchoolFactory(name="De Esch")
    other = SchoolFactory(name="Het Noorderlicht")
    ib = MembershipFactory(organisation=school, role="intern_begeleider").user
    MembershipFactory(organisation=other, role="intern_begeleider", user=ib)
    children = [
        ChildFactory(
            school=school, given_name=f"Kind{i:02d}", family_name=f"Achternaam{i:02d}", group="5a" if i % 2 else "6b"
        )
        for i in range(30)
    ]
    children += [ChildFactory(school=other, given_name=f"Ander{i}", family_name="Zwart", group="8") for i in range(5)]
    team = SupportTeam.objects.create(school=school)
    case = Case.objects.create(child=children[3], team=team, question="?", decision_due=TODAY)
    case.status = CaseStatus.objects.create(case=case, state="registered")
    case.save()
    return {"ib": ib, "school": school, "other": other, "children": children}


def test_the_children_list_has_a_true_count_and_pages_instead_of_a_silent_cap(en, pupils) -> None:  # type: ignore[no-untyped-def]
    client = en(pupils["ib"])
    before = _last_seq()
    page = client.get(reverse("registry:child-list")).content.decode()
    assert "35 children" in page and "1–25 of 35" in page
    names = _names_in(page, "children")
    assert len(names) == 25 and names[0] == "Kind00 Achternaam00"  # by family name
    # One search row per child shown, on the ground that showed it; none for the children on other pages.
    rows = _rows(seq__gt=before)
    assert len(rows) == 25 and {(r.action, r.category, r.object_type) for r in rows} == {
        ("search", "identity", "child")
    }
    second = client.get(reverse("registry:child-list") + "?page=2").content.decode()
    assert "26–35 of 35" in second and len(_names_in(second, "children")) == 10


def test_the_children_list_filters_by_school_group_and_open_case_and_sorts(en, pupils) -> None:  # type: ignore[no-untyped-def]
    client = en(pupils["ib"])
    url = reverse("registry:child-list")
    school = pupils["school"].pk
    page = client.get(f"{url}?school={school}&group=5a").content.decode()
    assert "15 children" in page
    assert all(n.startswith("Kind") for n in _names_in(page, "children"))
    with_case = client.get(f"{url}?open_case=yes").content.decode()
    assert _names_in(with_case, "children") == ["Kind03 Achternaam03"]
    without = client.get(f"{url}?open_case=no").content.decode()
    assert "34 children" in without
    reverse_sorted = client.get(f"{url}?sort=-name").content.decode()
    assert _names_in(reverse_sorted, "children")[0].endswith("Zwart")
    # Bad filter values fall back, never a 500.
    assert client.get(f"{url}?school=abc&group=<x>&open_case=maybe&sort=evil&page=-3").status_code == 200


def test_the_name_search_stays_out_of_the_url_and_says_why_it_is_empty(en, pupils) -> None:  # type: ignore[no-untyped-def]
    client = en(pupils["ib"])
    url = reverse("registry:child-list")
    found = client.post(url, {"q": "Kind0"}).content.decode()
    assert "10 children" in found
    nothing = client.post(url, {"q": "Pietje"}).content.decode()
    assert "No results for 'Pietje'." in nothing and "Clear the filters" in nothing
    # A search over more than one page pages with POST buttons: the name never reaches a URL.
    paged = client.post(url, {"q": "Kind"}).content.decode()
    assert "30 children" in paged and 'name="page" value="2"' in paged and "q=" not in paged
    assert "26–30 of 30" in client.post(url, {"q": "Kind", "page": "2"}).content.decode()
    # The group filter holds the chosen school's groups (with two schools, none until one is chosen).
    filtered = client.get(f"{url}?school={pupils['other'].pk}&open_case=yes&group=8").content.decode()
    assert "No children match these filters." in filtered
    assert 'id="f-group"' not in client.get(url).content.decode()


def test_the_children_list_is_built_in_a_bounded_number_of_queries(en, pupils, django_assert_max_num_queries) -> None:  # type: ignore[no-untyped-def]
    client = en(pupils["ib"])
    url = reverse("registry:child-list")
    few = _count_queries(client, url + "?school=" + str(pupils["other"].pk))  # 5 children
    many = _count_queries(client, url + "?school=" + str(pupils["school"].pk))  # 25 children shown
    assert many == few  # no query per row
    with django_assert_max_num_queries(40):
        client.get(url)


def test_a_teachers_children_list_shows_only_her_groups_pupils_in_a_bounded_number_of_queries(en, pupils) -> None:  # type: ignore[no-untyped-def]
    """'Mijn leerlingen' of a teacher: the pupils of the groups she teaches now (issue 15), not the whole school; a
    pupil of another group only when she sits in that child's support team. No query per row."""
    school, children = pupils["school"], pupils["children"]
    groups = {name: SchoolGroupFactory(school=school, name=name) for name in ("5a", "6b", "7c")}
    for child in children[:30]:
        child.school_group = groups[child.group]
        child.save(update_fields=["school_group"])
    seven = [ChildFactory(school=school, given_name=f"Zeven{i}", group="7c", school_group=groups["7c"]) for i in (1, 2)]
    teacher = MembershipFactory(organisation=school, role="teacher")
    GroupTeacherFactory(group=groups["5a"], membership=teacher)
    other_teacher = MembershipFactory(organisation=school, role="teacher")
    GroupTeacherFactory(group=groups["7c"], membership=other_teacher)
    url = reverse("registry:child-list")
    client = en(teacher.user)
    before = _last_seq()
    page = client.get(url).content.decode()
    assert "15 children" in page and ">My pupils<" in page
    assert "You see the pupils of your group 5a" in page  # why she sees whom she sees
    assert sorted(_names_in(page, "children")) == sorted(str(c) for c in children if c.group == "5a")
    rows = _rows(seq__gt=before)
    assert len(rows) == 15 and {r.ground_ref for r in rows} == {"rule:group_teacher"}
    assert _names_in(en(other_teacher.user).get(url).content.decode(), "children") == sorted(str(c) for c in seven)
    # The same number of queries for 2 pupils as for 15.
    assert _count_queries(en(other_teacher.user), url) == _count_queries(en(teacher.user), url)
    # Seated in the support team of a pupil of 6b, she sees that pupil too, on the team ground.
    seated = next(c for c in children if c.group == "6b")
    TeamMembership.objects.create(child=seated, membership=teacher)
    before = _last_seq()
    page = en(teacher.user).get(url).content.decode()
    assert "16 children" in page and str(seated) in _names_in(page, "children")
    assert {r.ground_ref for r in _rows(seq__gt=before, child_id=seated.pk)} == {"rule:support_team"}


def test_the_children_list_stacks_on_a_phone(en, pupils) -> None:  # type: ignore[no-untyped-def]
    page = en(pupils["ib"]).get(reverse("registry:child-list")).content.decode()
    table = page.split('id="children"', 1)[0].rsplit("<table", 1)[1]
    assert "rondom-stack" in table
    cells = re.findall(r"<td [^>]*>", page)
    assert cells and all("data-label=" in c for c in cells)


def test_the_menu_label_fits_the_role(en, pupils, signals) -> None:  # type: ignore[no-untyped-def]
    assert ">My pupils</a>" in en(pupils["ib"]).get(reverse("home"), follow=True).content.decode()
    page = en(signals["officer"]).get(reverse("registry:child-list")).content.decode()
    assert ">Pupils</a>" in page and ">My pupils<" not in page and '<h1 class="utrecht-heading-1">Pupils</h1>' in page


# --- The absence signals -------------------------------------------------------------------------------------------


@pytest.fixture
def signals() -> dict[str, Any]:
    """Leerplicht of Zwolle with 40 open signals over two schools (12 past their due date on TODAY), 3 handled."""
    zwolle = MunicipalityFactory(name="Zwolle")
    office = OrganisationFactory(kind="leerplicht", name="Leerplicht Zwolle")
    office.serves_municipalities.add(zwolle)
    officer = MembershipFactory(organisation=office, role="leerplicht_officer").user
    schools = [SchoolFactory(name="De Esch"), SchoolFactory(name="Het Noorderlicht")]
    protocols = list(AbsenceProtocol.objects.all()[:2])
    made = []
    for i in range(43):
        child = ChildFactory(school=schools[i % 2], home_municipality=zwolle, given_name=f"Leerling{i:02d}")
        made.append(
            ThresholdSignal.objects.create(
                child=child,
                protocol=protocols[i % len(protocols)],
                role="leerplicht_officer",
                period_start=TODAY - timedelta(days=40),
                crossed_on=TODAY - timedelta(days=30),
                value=20,
                due_on=TODAY + timedelta(days=i - 12),  # 0..11 overdue, 12 due today
                handled_at=NOW if i >= 40 else None,
            )
        )
    return {"officer": officer, "schools": schools, "protocols": protocols, "signals": made}


def _signal_rows(page: str) -> list[tuple[str, bool]]:
    """(due date, marked overdue) per row of the signals table, in order."""
    body = page.split('id="signals"', 1)[1].split("</table>", 1)[0]
    pattern = r'<tr class="utrecht-table__row(?: rondom-overdue)?" data-due="([0-9-]+)"( data-overdue="1")?>'
    return [(m.group(1), bool(m.group(2))) for m in re.finditer(pattern, body)]


def test_open_signals_come_overdue_first_and_marked_in_words_with_a_true_count(en, signals) -> None:  # type: ignore[no-untyped-def]
    client = en(signals["officer"])
    before = _last_seq()
    page = client.get(reverse("attendance:signals")).content.decode()
    assert "40 signals" in page and "1–25 of 40" in page
    rows = _signal_rows(page)
    assert len(rows) == 25
    dues = [date.fromisoformat(d) for d, _o in rows]
    assert dues == sorted(dues)
    assert [o for _d, o in rows] == [d < TODAY for d in dues]  # the 12 overdue first, and only they are marked
    assert sum(o for _d, o in rows) == 12
    assert page.count(">Overdue</strong>") == 12  # in words, not by colour alone
    logged = _rows(seq__gt=before)
    assert len(logged) == 25 and {(r.action, r.category, r.ground) for r in logged} == {
        ("search", "absence", "legal_task")
    }
    second = client.get(reverse("attendance:signals") + "?page=2").content.decode()
    assert "26–40 of 40" in second and ">Overdue</strong>" not in second


def test_signals_filter_by_school_kind_and_status(en, signals) -> None:  # type: ignore[no-untyped-def]
    client = en(signals["officer"])
    url = reverse("attendance:signals")
    esch = client.get(f"{url}?school={signals['schools'][0].pk}").content.decode()
    assert "20 signals" in esch and "Het Noorderlicht" not in esch.split('id="signals"', 1)[1]
    overdue = client.get(f"{url}?status=overdue").content.decode()
    assert "12 signals" in overdue
    handled = client.get(f"{url}?status=handled").content.decode()
    assert "3 signals" in handled and ">Overdue</strong>" not in handled
    everything = client.get(f"{url}?status=all").content.decode()
    assert "43 signals" in everything
    if len(signals["protocols"]) > 1:
        kind = client.get(f"{url}?kind={signals['protocols'][0].pk}").content.decode()
        assert "20 signals" in kind


def test_no_open_signals_says_so(en) -> None:  # type: ignore[no-untyped-def]
    office = OrganisationFactory(kind="leerplicht")
    officer = MembershipFactory(organisation=office, role="leerplicht_officer").user
    page = en(officer).get(reverse("attendance:signals")).content.decode()
    assert "No open signals for your schools." in page


def test_the_signals_list_is_built_in_a_bounded_number_of_queries(en, signals, django_assert_max_num_queries) -> None:  # type: ignore[no-untyped-def]
    client = en(signals["officer"])
    url = reverse("attendance:signals")
    few = _count_queries(client, url + "?status=handled")  # 3 rows
    many = _count_queries(client, url)  # 25 rows
    assert many == few
    with django_assert_max_num_queries(40):
        client.get(url)


# --- Mijn casussen ------------------------------------------------------------------------------------------------


def test_my_cases_opens_on_open_cases_newest_first_and_closed_only_when_asked(en) -> None:  # type: ignore[no-untyped-def]
    school = SchoolFactory()
    ib = MembershipFactory(organisation=school, role="intern_begeleider").user
    team = SupportTeam.objects.create(school=school)
    made = []
    for i, state in enumerate(["closed", "registered", "plan_active", "closed", "in_discussion"]):
        with time_machine.travel(NOW - timedelta(days=400 - 50 * i), tick=False):
            case = Case.objects.create(
                child=ChildFactory(school=school, given_name=f"Kind{i}", family_name="Jansen"),
                team=team,
                question="?",
                decision_due=TODAY,
            )
        case.status = CaseStatus.objects.create(case=case, state=state)
        case.save()
        made.append(case)
    client = en(ib)
    page = client.get(reverse("cases:my-cases")).content.decode()
    assert "3 cases" in page
    assert _names_in(page, "cases") == ["Kind4 Jansen", "Kind2 Jansen", "Kind1 Jansen"]  # newest first
    closed = client.get(reverse("cases:my-cases") + "?status=closed").content.decode()
    assert _names_in(closed, "cases") == ["Kind3 Jansen", "Kind0 Jansen"]
    everything = client.get(reverse("cases:my-cases") + "?status=all").content.decode()
    assert _names_in(everything, "cases") == [
        "Kind4 Jansen",
        "Kind2 Jansen",
        "Kind1 Jansen",
        "Kind3 Jansen",
        "Kind0 Jansen",
    ]
    on_hold = client.get(reverse("cases:my-cases") + "?status=on_hold").content.decode()
    assert "No cases with this status." in on_hold


# --- Notifications ------------------------------------------------------------------------------------------------


def test_a_notification_names_the_child_only_for_whom_may_read_it_and_its_title_holds_no_name(en, signals) -> None:  # type: ignore[no-untyped-def]
    officer = signals["officer"]
    signal = signals["signals"][0]
    outsider = MembershipFactory(organisation=OrganisationFactory(kind="leerplicht"), role="leerplicht_officer").user
    url = reverse("attendance:signal", args=[signal.child_id, signal.pk])
    for user in (officer, outsider):
        notify([user], title="Verzuimsignaal: handelen vóór 01-03-2026", url=url, key=f"absence-signal:{signal.pk}")
    stored = Notification.objects.get(recipient=officer)
    assert signal.child.given_name not in stored.title and signal.child.family_name not in stored.title

    before = _last_seq()
    page = en(officer).get(reverse("notifications:list")).content.decode()
    assert f"{signal.child.given_name} {signal.child.family_name[0]}." in page
    named = _rows(seq__gt=before)
    assert [(r.child_id, r.action, r.object_type) for r in named] == [(signal.child_id, "search", "notification")]

    before = _last_seq()
    other = en(outsider).get(reverse("notifications:list")).content.decode()
    # Another office may not read the child: not its name, nor its school (basic data of the child too).
    assert signal.child.given_name not in other and "De Esch" not in other and ">a pupil<" in other
    assert _rows(seq__gt=before) == []


def test_a_notification_about_a_pupil_the_reader_may_no_longer_read_names_no_school_but_his_own(en) -> None:  # type: ignore[no-untyped-def]
    """Review of issue 14: after a pupil moved school the old school's teacher read "een leerling van <new school>",
    where the pupil went: basic data of a child he may no longer read. Now "een leerling"; the school is said only
    when it is the reader's own organisation."""
    old_school = SchoolFactory(name="De Esch")
    teacher = MembershipFactory(organisation=old_school, role="teacher").user
    moved = ChildFactory(school=old_school, given_name="Femke")
    gone = ChildFactory(school=old_school, given_name="Vergeten")
    for child in (moved, gone):
        notify([teacher], title="Nieuw signaal", url=reverse("cases:case-page", args=[child.pk]), key=f"k{child.pk}")
    moved.school = SchoolFactory(name="De Nieuwe School Kampen")
    moved.save()
    gone.anonymised_at = NOW  # still at his school, but no one reads him any more
    gone.save()
    before = _last_seq()
    page = en(teacher).get(reverse("notifications:list")).content.decode()
    assert "Femke" not in page and "Vergeten" not in page and "De Nieuwe School Kampen" not in page
    assert page.count("a pupil of De Esch") == 1 and page.count(">a pupil<") == 1
    assert _rows(seq__gt=before) == []


def test_notifications_are_paged_filtered_unread_and_marked_read_one_or_all_idempotently(en) -> None:  # type: ignore[no-untyped-def]
    user = MembershipFactory(role="intern_begeleider").user
    for i in range(30):
        Notification.objects.create(recipient=user, title=f"Iets nieuws {i}", url="", key=f"k{i}")
    client = en(user)
    page = client.get(reverse("notifications:list")).content.decode()
    assert "1–25 of 30" in page and "Mark all 30 unread notifications as read" in page
    first = Notification.objects.get(key="k0")
    assert client.post(reverse("notifications:mark-read", args=[first.pk])).status_code == 302
    read_at = Notification.objects.get(pk=first.pk).read_at
    assert read_at is not None
    client.post(reverse("notifications:mark-read", args=[first.pk]))  # twice: nothing changes
    assert Notification.objects.get(pk=first.pk).read_at == read_at
    unread = client.get(reverse("notifications:list") + "?unread=1").content.decode()
    assert "1–25 of 29" in unread
    client.post(reverse("notifications:list"))
    client.post(reverse("notifications:list"))
    assert not Notification.objects.filter(recipient=user, read_at__isnull=True).exists()
    assert "No unread notifications." in client.get(reverse("notifications:list") + "?unread=1").content.decode()
    # Another user's notification is not touched.
    stranger = MembershipFactory(role="intern_begeleider").user
    theirs = Notification.objects.create(recipient=stranger, title="x", url="", key="s")
    client.post(reverse("notifications:mark-read", args=[theirs.pk]))
    assert Notification.objects.get(pk=theirs.pk).read_at is None


def test_the_notifications_page_is_built_in_a_bounded_number_of_queries(en, signals) -> None:  # type: ignore[no-untyped-def]
    officer = signals["officer"]
    client = en(officer)
    for s in signals["signals"][:3]:
        notify(
            [officer],
            title="Verzuimsignaal",
            url=reverse("attendance:signal", args=[s.child_id, s.pk]),
            key=f"a:{s.pk}",
        )
    few = _count_queries(client, reverse("notifications:list"))
    for s in signals["signals"][3:30]:
        notify(
            [officer],
            title="Verzuimsignaal",
            url=reverse("attendance:signal", args=[s.child_id, s.pk]),
            key=f"a:{s.pk}",
        )
    many = _count_queries(client, reverse("notifications:list"))
    assert many == few


# --- The thuiszitter register --------------------------------------------------------------------------------------


def test_the_thuiszitter_register_pages_with_a_true_count(en, signals) -> None:  # type: ignore[no-untyped-def]
    children = Child.objects.filter(absence_signals__in=[s.pk for s in signals["signals"][:30]])
    for i, child in enumerate(children):
        Thuiszitter.objects.create(
            child=child, kind="absolute", reason="refusal", started_on=TODAY - timedelta(days=100 - i)
        )
    client = en(signals["officer"])
    page = client.get(reverse("thuiszitters:register-list")).content.decode()
    assert "30 children at home now" in page and "1–25 of 30" in page
    few = _count_queries(client, reverse("thuiszitters:register-list") + "?page=2")
    many = _count_queries(client, reverse("thuiszitters:register-list"))
    assert many == few


def test_a_real_absence_signal_notification_holds_no_name_in_its_title_or_email(
    mailoutbox, signals, django_capture_on_commit_callbacks
) -> None:  # type: ignore[no-untyped-def]
    from decimal import Decimal

    from rondom.attendance.services import Crossing, _create_signal

    officer = signals["officer"]
    officer.email = "lpa@example.org"
    officer.save()
    child = ChildFactory(
        school=signals["schools"][0],
        home_municipality=signals["signals"][0].child.home_municipality,
        given_name="Zoë",
        family_name="Vermeulen",
    )
    protocol = AbsenceProtocol.objects.get(pk=signals["protocols"][0].pk)
    crossing = Crossing(child.pk, TODAY - timedelta(days=28), TODAY, Decimal("16.0"), False)
    with django_capture_on_commit_callbacks(execute=True):  # the e-mail leaves after the commit
        assert _create_signal(protocol, child.pk, crossing) is not None
    stored = Notification.objects.get(recipient=officer)
    assert "Zoë" not in stored.title and "Vermeulen" not in stored.title
    sent = [m for m in mailoutbox if "lpa@example.org" in m.to]
    assert sent and all("Zoë" not in m.body + m.subject and "Vermeulen" not in m.body + m.subject for m in sent)


def test_every_work_list_table_stacks_on_a_phone(en, signals) -> None:  # type: ignore[no-untyped-def]
    """At 320 px the tables become stacked rows (the CSS keys on `rondom-stack`); each cell names its column."""
    officer = signals["officer"]
    for s in signals["signals"][:3]:
        Thuiszitter.objects.create(child=s.child, kind="absolute", reason="refusal", started_on=TODAY)
    client = en(officer)
    for name, table in (("attendance:signals", "signals"), ("thuiszitters:register-list", "thuiszitters")):
        page = client.get(reverse(name)).content.decode()
        tag = re.search(rf'<table class="([^"]*)" id="{table}"', page)
        assert tag and "rondom-stack" in tag.group(1), name
        body = page.split(f'id="{table}"', 1)[1].split("</table>", 1)[0]
        cells = re.findall(r"<td [^>]*>", body)
        assert cells and all('data-label="' in c for c in cells), name


def test_the_functioneel_beheerder_sees_pupils_but_not_whether_they_have_an_open_case(en, pupils) -> None:  # type: ignore[no-untyped-def]
    """An open case is support information: the functioneel beheerder (identity only) gets no 'Open case' column and
    no filter on it, and a filter forced into the URL changes nothing (new-user trial, issue 15)."""
    school = pupils["school"]
    admin = MembershipFactory(organisation=school, role="functional_admin")
    url = reverse("registry:child-list")
    page = en(admin.user).get(url).content.decode()
    assert "Open case" not in page and "open_case" not in page
    everyone = sorted(_names_in(page, "children"))
    assert sorted(_names_in(en(admin.user).get(url, {"open_case": "yes"}).content.decode(), "children")) == everyone
    ib = MembershipFactory(organisation=school, role="intern_begeleider")
    assert "Open case" in en(ib.user).get(url).content.decode()
