"""Support-team meetings as people run them (issue 14, point 6): time, place, chair and invitees; the agenda from
the case page; minutes for those present (and the school's ib/zc) with a 409 on a stale version; decisions; actions
with owner and due date in the owner's "Mijn acties", marked done idempotently; a printable agenda logged per child.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError

from rondom.access.models import TeamMembership
from rondom.audit.models import AccessLogEntry
from rondom.cases import meetings, services
from rondom.cases.models import ActionItem, AgendaItem, Meeting, Signal
from rondom.notifications.models import Notification
from tests.factories import ChildFactory, MembershipFactory, SchoolFactory, teacher_of

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 11, 27, 14, 0, tzinfo=ZoneInfo("Europe/Amsterdam"))  # a Friday
TODAY = NOW.date()


@pytest.fixture(autouse=True)
def _clock():  # type: ignore[no-untyped-def]
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def world():  # type: ignore[no-untyped-def]
    """One pupil with an open case; the school's ib (runs the team), a zorgcoördinator, a teacher in the child's
    support team (reads support data), another teacher (in scope, not invited), an ib of another school."""
    child = ChildFactory(given_name="Femke", family_name="Zandstra")
    ib = MembershipFactory(organisation=child.school, role="intern_begeleider")
    zc = MembershipFactory(organisation=child.school, role="zorgcoordinator")
    teacher = teacher_of(child)
    other_teacher = teacher_of(child)
    stranger = MembershipFactory(organisation=SchoolFactory(), role="intern_begeleider")
    signal = Signal.objects.create(
        child=child,
        source="teacher",
        concerns=["learning"],
        description="Zorg.",
        conversation_on=TODAY,
        conversation_notes="Gesproken met ouders.",
    )
    case = services.register_case(ib.user, signal, question="Wat helpt Femke bij rekenen?", today=TODAY)
    case.team.members.add(ib, zc, teacher)
    TeamMembership.objects.create(child=child, membership=teacher, added_by=ib.user)
    return {
        "child": child,
        "case": case,
        "team": case.team,
        "ib": ib,
        "zc": zc,
        "teacher": teacher,
        "other_teacher": other_teacher,
        "stranger": stranger,
    }


def _meeting(world, days: int = 7, **kwargs) -> Meeting:  # type: ignore[no-untyped-def]
    return meetings.plan_meeting(
        world["ib"].user,
        world["team"],
        on=TODAY + timedelta(days=days),
        starts_at=time(15, 0),
        ends_at=time(16, 30),
        place="Lokaal 12",
        chair=world["zc"],
        **kwargs,
    )


def _item(world, meeting: Meeting | None = None) -> AgendaItem:  # type: ignore[no-untyped-def]
    return services.put_on_agenda(world["ib"].user, world["case"], meeting or _meeting(world), [world["teacher"]])


# --- Planning a meeting -------------------------------------------------------------------------------------------


def test_a_meeting_has_a_time_a_place_a_chair_and_invitees(world) -> None:  # type: ignore[no-untyped-def]
    meeting = _meeting(world, invited=[world["teacher"]])
    meeting.refresh_from_db()
    assert (meeting.starts_at, meeting.ends_at, meeting.place) == (time(15, 0), time(16, 30), "Lokaal 12")
    assert meeting.chair == world["zc"] and list(meeting.invited.all()) == [world["teacher"]]


def test_only_who_runs_the_school_team_plans_a_meeting(world) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(PermissionDenied):
        meetings.plan_meeting(world["teacher"].user, world["team"], on=TODAY, starts_at=time(9, 0))
    with pytest.raises(PermissionDenied):
        meetings.plan_meeting(world["stranger"].user, world["team"], on=TODAY, starts_at=time(9, 0))
    assert not Meeting.objects.exists()


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"on": TODAY - timedelta(days=1), "starts_at": time(9, 0)}, "date"),
        ({"on": TODAY, "starts_at": None}, "starts_at"),
        ({"on": TODAY, "starts_at": time(9, 0), "ends_at": time(8, 0)}, "ends_at"),
        ({"on": TODAY, "starts_at": time(9, 0), "place": "x" * 301}, "place"),
    ],
)
def test_a_meeting_in_the_past_without_a_start_or_ending_before_it_starts_is_refused_naming_the_field(
    world, kwargs, field
) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValidationError) as refused:
        meetings.plan_meeting(world["ib"].user, world["team"], today=TODAY, **kwargs)
    assert field in refused.value.message_dict
    assert not Meeting.objects.exists()


def test_the_chair_and_the_invitees_are_members_of_the_team(world) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValidationError) as refused:
        meetings.plan_meeting(
            world["ib"].user,
            world["team"],
            on=TODAY,
            starts_at=time(9, 0),
            chair=world["other_teacher"],
            invited=[world["stranger"]],
        )
    assert set(refused.value.message_dict) == {"chair", "invited"}


# --- From the case page -------------------------------------------------------------------------------------------


def test_the_ib_puts_the_case_on_a_new_meeting_from_the_case_page(world, login) -> None:  # type: ignore[no-untyped-def]
    child, case = world["child"], world["case"]
    client = login(world["ib"].user)
    page = client.get(f"/kinderen/{child.pk}/casus/")
    assert b"Niet geagendeerd voor een overleg" in page.content
    answer = client.post(
        f"/kinderen/{child.pk}/casus/{case.pk}/agenda/",
        {
            "meeting": "",
            "new_date": (TODAY + timedelta(days=3)).isoformat(),
            "new_starts_at": "14:30",
            "new_place": "Teams-link in de agenda",
            "invited": [world["teacher"].pk],
            "parents_invited": "on",
        },
    )
    assert answer.status_code == 302
    item = AgendaItem.objects.get(case=case)
    assert item.meeting.starts_at == time(14, 30) and item.meeting.place == "Teams-link in de agenda"
    assert list(item.invited.all()) == [world["teacher"]] and item.parents_invited and not item.youth_invited
    page = client.get(f"/kinderen/{child.pk}/casus/")
    assert f"/kinderen/{child.pk}/overleg/{item.pk}/".encode() in page.content
    assert b"14:30" in page.content


def test_a_new_meeting_without_a_start_time_gives_the_form_back_with_what_was_typed(world, login) -> None:  # type: ignore[no-untyped-def]
    child, case = world["child"], world["case"]
    answer = login(world["ib"].user).post(
        f"/kinderen/{child.pk}/casus/{case.pk}/agenda/",
        {"meeting": "", "new_date": (TODAY + timedelta(days=3)).isoformat(), "new_place": "Kamer van de ib"},
    )
    assert answer.status_code == 400
    assert b"Kamer van de ib" in answer.content and b'id="id_agenda_new_starts_at_error"' in answer.content
    assert not Meeting.objects.exists() and not AgendaItem.objects.exists()


def test_a_case_is_put_on_one_meeting_once(world) -> None:  # type: ignore[no-untyped-def]
    item = _item(world)
    with pytest.raises(ValidationError) as refused:
        services.put_on_agenda(world["ib"].user, world["case"], item.meeting, [])
    assert "meeting" in refused.value.message_dict


def test_a_teacher_does_not_get_the_agenda_form(world, login) -> None:  # type: ignore[no-untyped-def]
    child, case = world["child"], world["case"]
    client = login(world["teacher"].user)
    assert client.get(f"/kinderen/{child.pk}/casus/{case.pk}/agenda/").status_code == 403


# --- Minutes -------------------------------------------------------------------------------------------------------


def _minutes_page(client, world, item):  # type: ignore[no-untyped-def]
    return client.get(f"/kinderen/{world['child'].pk}/overleg/{item.pk}/")


def test_minutes_are_read_by_those_present_and_the_schools_ib_and_zc_only(world, login) -> None:  # type: ignore[no-untyped-def]
    item = _item(world)
    services.record_minutes(
        world["ib"].user, item, minutes="Rekenen gaat beter met een maatje.", present=[world["teacher"].user], version=1
    )
    secret = b"Rekenen gaat beter met een maatje."
    for who in ("ib", "zc", "teacher"):  # the ib and the teacher were present; the zc runs the team
        page = _minutes_page(login(world[who].user), world, item)
        assert page.status_code == 200 and secret in page.content, who
    page = _minutes_page(login(world["other_teacher"].user), world, item)  # in scope, not present
    assert page.status_code == 200 and secret not in page.content
    assert b"Alleen wie aanwezig was" in page.content


def test_the_agenda_item_page_is_404_outside_scope_without_a_log_row(world, login) -> None:  # type: ignore[no-untyped-def]
    item = _item(world)
    before = AccessLogEntry.objects.count()
    assert _minutes_page(login(world["stranger"].user), world, item).status_code == 404
    other_child = ChildFactory(school=world["child"].school)
    assert login(world["ib"].user).get(f"/kinderen/{other_child.pk}/overleg/{item.pk}/").status_code == 404
    assert AccessLogEntry.objects.count() == before


def test_minutes_saved_on_a_stale_version_answer_409_and_write_nothing(world, login) -> None:  # type: ignore[no-untyped-def]
    item = _item(world)
    services.record_minutes(world["zc"].user, item, minutes="Eerst opgeslagen.", present=[], version=1)
    answer = login(world["ib"].user).post(
        f"/kinderen/{world['child'].pk}/overleg/{item.pk}/",
        {"form": "minutes", "m-minutes": "Mijn versie.", "m-version": "1"},
    )
    assert answer.status_code == 409
    item.refresh_from_db()
    assert (item.minutes, item.version) == ("Eerst opgeslagen.", 2)
    assert b"Mijn versie." in answer.content and b"Eerst opgeslagen." in answer.content
    assert b'name="m-version" value="2"' in answer.content  # a second save knowingly builds on the stored one


def test_decisions_are_kept_per_agenda_item(world, login) -> None:  # type: ignore[no-untyped-def]
    item = _item(world)
    client = login(world["ib"].user)
    url = f"/kinderen/{world['child'].pk}/overleg/{item.pk}/"
    assert client.post(url, {"form": "decision", "d-text": "Onderzoek naar dyscalculie."}).status_code == 302
    assert client.post(url, {"form": "decision", "d-text": "  "}).status_code == 400
    assert list(item.decisions.values_list("text", flat=True)) == ["Onderzoek naar dyscalculie."]
    assert b"Onderzoek naar dyscalculie." in client.get(url).content


# --- Actions -------------------------------------------------------------------------------------------------------


def _action(world, due: date, text: str = "Bel moeder", owner=None) -> ActionItem:  # type: ignore[no-untyped-def]
    item = _item(world) if not AgendaItem.objects.exists() else AgendaItem.objects.get()
    return services.add_action(
        world["ib"].user,
        world["case"],
        description=text,
        owner=owner or world["teacher"],
        due=due,
        agenda_item=item,
        today=TODAY - timedelta(days=30),
    )


def test_an_assigned_owner_is_notified_without_the_childs_name(world) -> None:  # type: ignore[no-untyped-def]
    action = _action(world, TODAY + timedelta(days=7))
    note = Notification.objects.get(recipient=world["teacher"].user, key__startswith="action:")
    assert note.url == "/acties/" and note.key == f"action:{action.pk}"
    assert "Femke" not in note.title and "Zandstra" not in note.title


def test_my_actions_are_open_ones_earliest_due_first_and_overdue_marked(world, login) -> None:  # type: ignore[no-untyped-def]
    late = _action(world, TODAY - timedelta(days=2), "Verslag sturen")
    later = _action(world, TODAY + timedelta(days=10), "Observatie in de klas")
    due_today = _action(world, TODAY, "Gesprek met juf")
    done = _action(world, TODAY - timedelta(days=5), "Al gedaan")
    meetings.complete_action(world["teacher"].user, done)
    listed = meetings.own_actions(list(meetings.open_actions(world["teacher"].user)), TODAY)
    assert [(row.action.pk, row.overdue) for row in listed] == [
        (late.pk, True),
        (due_today.pk, False),
        (later.pk, False),
    ]
    page = login(world["teacher"].user).get("/acties/").content.decode()
    assert page.index("Verslag sturen") < page.index("Gesprek met juf") < page.index("Observatie in de klas")
    assert "Al gedaan" not in page and page.count("te laat") == 1


def test_my_actions_log_one_search_row_per_child_shown(world, login) -> None:  # type: ignore[no-untyped-def]
    _action(world, TODAY + timedelta(days=1))
    _action(world, TODAY + timedelta(days=2))
    before = AccessLogEntry.objects.count()
    login(world["teacher"].user).get("/acties/")
    rows = list(AccessLogEntry.objects.order_by("seq")[before:].values_list("action", "category", "child_id"))
    assert rows == [("search", "support", world["child"].pk)]


def test_marking_an_action_done_twice_changes_it_once(world, login) -> None:  # type: ignore[no-untyped-def]
    action = _action(world, TODAY + timedelta(days=3))
    client = login(world["teacher"].user)
    before = AccessLogEntry.objects.count()
    assert client.post(f"/acties/{action.pk}/klaar/").status_code == 302
    action.refresh_from_db()
    first = action.done_at
    with time_machine.travel(NOW + timedelta(minutes=5), tick=False):
        assert client.post(f"/acties/{action.pk}/klaar/").status_code == 302
    action.refresh_from_db()
    assert action.status == "done" and action.done_at == first and action.done_by == world["teacher"].user
    rows = list(AccessLogEntry.objects.order_by("seq")[before:].values_list("action", "object_type"))
    assert rows == [("update", "action")]


def test_only_the_owner_marks_an_action_done(world, login) -> None:  # type: ignore[no-untyped-def]
    action = _action(world, TODAY + timedelta(days=3))
    assert login(world["other_teacher"].user).post(f"/acties/{action.pk}/klaar/").status_code == 404
    action.refresh_from_db()
    assert action.status == "open"


def test_the_owner_must_know_the_child(world) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValidationError) as refused:
        _action(world, TODAY + timedelta(days=3), owner=world["stranger"])
    assert "owner" in refused.value.message_dict


# --- Meeting page and printable agenda ------------------------------------------------------------------------------


def test_the_printable_agenda_names_the_child_where_readable_and_logs_a_print_row(world, login) -> None:  # type: ignore[no-untyped-def]
    item = _item(world)
    before = AccessLogEntry.objects.count()
    page = login(world["ib"].user).get(f"/ondersteuningsteam/overleg/{item.meeting.pk}/agenda/")
    assert page.status_code == 200
    content = page.content.decode()
    assert "Femke" in content and "Wat helpt Femke bij rekenen?" in content and "15:00" in content
    assert "Lokaal 12" in content and world["zc"].user.display_name in content
    rows = list(AccessLogEntry.objects.order_by("seq")[before:].values_list("action", "category", "child_id"))
    assert rows == [("print", "support", world["child"].pk)]


def test_the_meeting_page_is_for_the_team_and_the_invited(world, login) -> None:  # type: ignore[no-untyped-def]
    item = _item(world)
    url = f"/ondersteuningsteam/overleg/{item.meeting.pk}/"
    assert login(world["teacher"].user).get(url).status_code == 200  # invited for the case
    assert login(world["other_teacher"].user).get(url).status_code == 404
    assert login(world["stranger"].user).get(url).status_code == 404


def test_the_team_agenda_plans_a_meeting_with_time_and_place(world, login) -> None:  # type: ignore[no-untyped-def]
    client = login(world["ib"].user)
    answer = client.post(
        "/ondersteuningsteam/",
        {
            "date": (TODAY + timedelta(days=4)).isoformat(),
            "starts_at": "13:15",
            "place": "Aula",
            "chair": world["zc"].pk,
        },
    )
    assert answer.status_code == 302
    meeting = Meeting.objects.get()
    assert (meeting.starts_at, meeting.place, meeting.chair) == (time(13, 15), "Aula", world["zc"])
    answer = client.post("/ondersteuningsteam/", {"date": (TODAY + timedelta(days=4)).isoformat(), "place": "Zaal 2"})
    assert answer.status_code == 400 and b"Zaal 2" in answer.content


def test_the_timeline_shows_the_agenda_the_decision_and_the_action_agreed_and_done(world, login) -> None:  # type: ignore[no-untyped-def]
    item = _item(world)
    meetings.record_decision(world["ib"].user, item, "Onderzoek naar dyscalculie.")
    action = _action(world, TODAY + timedelta(days=3), "Verslag sturen")
    meetings.complete_action(world["teacher"].user, action)
    services.record_minutes(world["ib"].user, item, minutes="Geheim verslag.", present=[], version=1)
    page = login(world["ib"].user).get(f"/kinderen/{world['child'].pk}/casus/").content.decode()
    for text in ("Op de agenda van het ondersteuningsteam", "Besluit van het ondersteuningsteam", "Actie afgerond"):
        assert text in page
    assert "Onderzoek naar dyscalculie." in page and "Lokaal 12" in page
    assert "Geheim verslag." not in page  # the minutes stay on the agenda item's page


# --- Invitees are told --------------------------------------------------------------------------------------------


def test_who_is_invited_is_told_when_and_where_without_a_child_and_the_planner_is_not(world) -> None:  # type: ignore[no-untyped-def]
    meeting = _meeting(world, invited=[world["teacher"], world["ib"]])
    told = list(Notification.objects.filter(key=f"meeting:{meeting.pk}"))
    assert [n.recipient for n in told] == [world["teacher"].user]
    assert "4 december 2026 15:00" in told[0].title and world["child"].school.name in told[0].title
    assert "Femke" not in told[0].title and "Zandstra" not in told[0].title
    assert told[0].url == f"/ondersteuningsteam/overleg/{meeting.pk}/"
    _meeting(world, invited=[world["teacher"]], meeting=meeting)  # saved again: not told twice
    assert Notification.objects.filter(recipient=world["teacher"].user).count() == 1


def test_who_is_invited_for_one_case_is_told_once(world) -> None:  # type: ignore[no-untyped-def]
    meeting = _meeting(world)
    item = services.put_on_agenda(world["ib"].user, world["case"], meeting, [world["teacher"], world["zc"]])
    told = Notification.objects.filter(key=f"agenda:{item.pk}")
    assert sorted(n.recipient_id for n in told) == sorted([world["teacher"].user_id, world["zc"].user_id])
    assert all("Femke" not in n.title for n in told)


# --- After the review of issue 14 (tests/test_review_14.py on review/14) -------------------------------------------


NL = {"HTTP_ACCEPT_LANGUAGE": "nl"}


@pytest.fixture
def more(world):  # type: ignore[no-untyped-def]
    """The world plus a school social worker of the school (support rw, not present), a leerplicht officer of the
    child's municipality, and a second pupil with an open case at the same school."""
    from tests.factories import OrganisationFactory

    child = world["child"]
    smw = MembershipFactory(organisation=child.school, role="school_social_worker")
    leerplicht = MembershipFactory(organisation=OrganisationFactory(kind="leerplicht"), role="leerplicht_officer")
    leerplicht.organisation.serves_municipalities.add(child.home_municipality)
    other = ChildFactory(school=child.school, given_name="Bram", family_name="Visser")
    signal = Signal.objects.create(
        child=other, source="teacher", concerns=["behaviour"], description="x", conversation_on=TODAY
    )
    other_case = services.register_case(world["ib"].user, signal, question="Bram en driftbuien?", today=TODAY)
    return {**world, "smw": smw, "leerplicht": leerplicht, "other": other, "other_case": other_case}


def _plain_meeting(w, days: int = 7, **kwargs) -> Meeting:  # type: ignore[no-untyped-def]
    return meetings.plan_meeting(
        w["ib"].user, w["team"], on=TODAY + timedelta(days=days), starts_at=time(15, 0), place="Lokaal 12", **kwargs
    )


def test_only_who_was_present_or_runs_the_team_writes_the_minutes(more, login) -> None:  # type: ignore[no-untyped-def]
    item = services.put_on_agenda(more["ib"].user, more["case"], _plain_meeting(more), [more["teacher"]])
    services.record_minutes(more["ib"].user, item, minutes="Moeder vertelde over de scheiding.", present=[], version=1)
    url = f"/kinderen/{more['child'].pk}/overleg/{item.pk}/"
    smw = login(more["smw"].user)
    assert "scheiding" not in smw.get(url).content.decode()  # she may not read them ...
    before = AccessLogEntry.objects.count()
    answer = smw.post(url, {"form": "minutes", "m-minutes": "weg", "m-version": "2"}, **NL)
    assert answer.status_code == 403  # ... nor write them: nothing changed, nothing logged
    assert "aanwezig" in answer.content.decode(), answer.content.decode()[-1500:]
    item.refresh_from_db()
    assert (item.minutes, item.version, list(item.present.all())) == ("Moeder vertelde over de scheiding.", 2, [])
    assert AccessLogEntry.objects.count() == before
    with pytest.raises(PermissionDenied):
        services.record_minutes(more["smw"].user, item, minutes="weg", present=[], version=2)


def test_writing_the_minutes_does_not_make_the_writer_present(world) -> None:  # type: ignore[no-untyped-def]
    item = _item(world)
    services.record_minutes(world["zc"].user, item, minutes="Verslag.", present=[world["teacher"].user], version=1)
    assert list(item.present.all()) == [world["teacher"].user]


def test_a_teacher_not_present_does_not_read_minutes_and_cannot_post_them(world, login) -> None:  # type: ignore[no-untyped-def]
    item = _item(world)
    services.record_minutes(world["ib"].user, item, minutes="GEHEIM-NOTULEN", present=[], version=1)
    url = f"/kinderen/{world['child'].pk}/overleg/{item.pk}/"
    client = login(world["other_teacher"].user)
    assert "GEHEIM-NOTULEN" not in client.get(url).content.decode()
    assert client.post(url, {"form": "minutes", "m-minutes": "x", "m-version": "2"}).status_code == 403
    item.refresh_from_db()
    assert item.minutes == "GEHEIM-NOTULEN"


def test_leerplicht_and_another_school_get_404_on_the_item_and_the_meeting_without_log(more, login) -> None:  # type: ignore[no-untyped-def]
    meeting = _plain_meeting(more)
    item = services.put_on_agenda(more["ib"].user, more["case"], meeting, [])
    before = AccessLogEntry.objects.count()
    for who in ("stranger", "leerplicht"):
        client = login(more[who].user)
        assert client.get(f"/kinderen/{more['child'].pk}/overleg/{item.pk}/").status_code in (403, 404)
        assert client.get(f"/ondersteuningsteam/overleg/{meeting.pk}/").status_code == 404
        assert client.get(f"/ondersteuningsteam/overleg/{meeting.pk}/agenda/").status_code == 404
    assert AccessLogEntry.objects.count() == before


def test_the_meeting_page_names_who_is_invited_only_for_pupils_the_viewer_may_read(more, login) -> None:  # type: ignore[no-untyped-def]
    from tests.factories import OrganisationFactory, consent_for

    meeting = _plain_meeting(more)
    provider = OrganisationFactory(kind="provider", name="Trias")
    contact = MembershipFactory(organisation=provider, role="provider_contact", user__last_name="Providerlid")
    consent_for(more["child"], "support_team", provider, ["identity", "support"])
    services.put_on_agenda(more["ib"].user, more["case"], meeting, [contact])  # invited for Femke only
    mentor = MembershipFactory(organisation=more["child"].school, role="teacher", user__last_name="Mentorvanb")
    TeamMembership.objects.create(child=more["other"], membership=mentor, added_by=more["ib"].user)
    services.put_on_agenda(more["ib"].user, more["other_case"], meeting, [mentor])
    client = login(contact.user)
    for url in (f"/ondersteuningsteam/overleg/{meeting.pk}/", f"/ondersteuningsteam/overleg/{meeting.pk}/agenda/"):
        answer = client.get(url, **NL)
        page = answer.content.decode()
        assert answer.status_code == 200, url  # invited for one case: opens the meeting
        assert "Lokaal 12" in page and "Femke" in page and "Providerlid" in page
        assert "Bram" not in page and "Mentorvanb" not in page, url  # nor who is invited for a pupil not read


def test_the_agenda_item_links_to_the_whole_meeting_only_for_who_may_open_it(world, login) -> None:  # type: ignore[no-untyped-def]
    item = services.put_on_agenda(world["ib"].user, world["case"], _meeting(world), [])  # the teacher not invited
    url = f"/kinderen/{world['child'].pk}/overleg/{item.pk}/"
    meeting_url = f"/ondersteuningsteam/overleg/{item.meeting.pk}/"
    teacher = login(world["teacher"].user)
    page = teacher.get(url).content.decode()
    assert page and meeting_url not in page and teacher.get(meeting_url).status_code == 404
    item.invited.add(world["teacher"])  # invited for this case: the link and the page
    assert meeting_url in teacher.get(url).content.decode() and teacher.get(meeting_url).status_code == 200


def test_the_printable_agenda_logs_one_print_row_per_child_shown_and_none_for_the_hidden(more, login) -> None:  # type: ignore[no-untyped-def]
    from tests.factories import OrganisationFactory, consent_for

    meeting = _plain_meeting(more)
    contact = MembershipFactory(organisation=OrganisationFactory(kind="provider"), role="provider_contact")
    consent_for(more["child"], "support_team", contact.organisation, ["identity", "support"])
    services.put_on_agenda(more["ib"].user, more["case"], meeting, [contact])
    services.put_on_agenda(more["ib"].user, more["other_case"], meeting, [])
    before = AccessLogEntry.objects.count()
    assert login(contact.user).get(f"/ondersteuningsteam/overleg/{meeting.pk}/agenda/", **NL).status_code == 200
    new = list(AccessLogEntry.objects.order_by("seq")[before:])
    assert [(r.child_id, r.action) for r in new] == [(more["child"].pk, "print")]


def test_an_ended_role_opens_no_meeting_it_was_invited_to(world, login) -> None:  # type: ignore[no-untyped-def]
    meeting = _plain_meeting(world, invited=[world["teacher"]])
    services.put_on_agenda(world["ib"].user, world["case"], meeting, [world["zc"]])
    teacher = world["teacher"]
    teacher.valid_until = TODAY - timedelta(days=1)
    teacher.save()
    urls = (f"/ondersteuningsteam/overleg/{meeting.pk}/", f"/ondersteuningsteam/overleg/{meeting.pk}/agenda/")
    assert not meetings.may_open_meeting(teacher.user, meeting, today=TODAY)
    MembershipFactory(user=teacher.user, organisation=SchoolFactory(), role="teacher")  # works elsewhere now
    client = login(type(teacher.user).objects.get(pk=teacher.user_id))  # a fresh user: its roles read anew
    answers = [client.get(url) for url in urls]
    assert [a.status_code for a in answers] == [404, 404], [a.get("Location") for a in answers]


def test_the_item_of_one_child_under_another_child_is_404_without_log(more, login) -> None:  # type: ignore[no-untyped-def]
    item = services.put_on_agenda(more["ib"].user, more["case"], _plain_meeting(more), [])
    before = AccessLogEntry.objects.count()
    assert login(more["ib"].user).get(f"/kinderen/{more['other'].pk}/overleg/{item.pk}/").status_code == 404
    assert AccessLogEntry.objects.count() == before


# --- Dates: at most a year ahead ------------------------------------------------------------------------------------


def test_a_meeting_date_and_an_action_due_date_lie_at_most_366_days_ahead(world, login) -> None:  # type: ignore[no-untyped-def]
    item = services.put_on_agenda(world["ib"].user, world["case"], _plain_meeting(world), [])
    client = login(world["ib"].user)
    url = f"/kinderen/{world['child'].pk}/overleg/{item.pk}/"
    action = {"form": "action", "a-description": "x", "a-owner": str(world["teacher"].pk), "a-due": "9999-12-31"}
    answer = client.post(url, action, **NL)
    assert answer.status_code == 400 and "Uiterlijk klaar op" in answer.content.decode()
    answer = client.post(
        "/ondersteuningsteam/overleg/nieuw/",
        {"team": str(world["team"].pk), "date": "9999-12-31", "starts_at": "09:00"},
        **NL,
    )
    assert answer.status_code == 400 and "Datum van het overleg" in answer.content.decode()
    assert not ActionItem.objects.exists() and not Meeting.objects.filter(date__year=9999).exists()
    last = TODAY + timedelta(days=366)
    assert _plain_meeting(world, days=366).date == last
    with pytest.raises(ValidationError) as refused:
        _plain_meeting(world, days=367)
    assert "date" in refused.value.message_dict
    with pytest.raises(ValidationError) as refused:
        services.add_action(
            world["ib"].user, world["case"], description="x", owner=world["teacher"], due=last + timedelta(days=1)
        )
    assert "due" in refused.value.message_dict


def test_the_date_inputs_carry_the_range_and_say_it(world, login) -> None:  # type: ignore[no-untyped-def]
    item = _item(world)
    client = login(world["ib"].user)
    last = (TODAY + timedelta(days=366)).isoformat()
    for url in (
        f"/kinderen/{world['child'].pk}/overleg/{item.pk}/",
        "/ondersteuningsteam/overleg/nieuw/",
        f"/kinderen/{world['child'].pk}/casus/{world['case'].pk}/agenda/",
    ):
        page = client.get(url, **NL).content.decode()
        assert f'min="{TODAY.isoformat()}"' in page and f'max="{last}"' in page, url
        assert "28 november 2027" in page, url


def test_the_services_check_dates_against_the_today_they_are_given(world) -> None:  # type: ignore[no-untyped-def]
    later = TODAY + timedelta(days=30)
    with pytest.raises(ValidationError):
        meetings.plan_meeting(
            world["ib"].user, world["team"], on=TODAY + timedelta(days=7), starts_at=time(9), today=later
        )
    meeting = _plain_meeting(world)
    with pytest.raises(ValidationError):
        services.put_on_agenda(world["ib"].user, world["case"], meeting, [], today=later)
    with pytest.raises(ValidationError):
        services.add_action(
            world["ib"].user, world["case"], description="x", owner=world["teacher"], due=TODAY, today=later
        )


# --- Double submits -------------------------------------------------------------------------------------------------


def test_the_same_decision_posted_twice_is_recorded_once(world, login) -> None:  # type: ignore[no-untyped-def]
    from rondom.cases.models import AgendaDecision

    item = services.put_on_agenda(world["ib"].user, world["case"], _plain_meeting(world), [])
    client = login(world["ib"].user)
    for _ in range(2):
        client.post(f"/kinderen/{world['child'].pk}/overleg/{item.pk}/", {"form": "decision", "d-text": "Zo"}, **NL)
    assert AgendaDecision.objects.filter(item=item).count() == 1
    assert AccessLogEntry.objects.filter(object_type="agenda_decision").count() == 1


def test_the_same_action_posted_twice_makes_one_action_and_one_notification(world, login) -> None:  # type: ignore[no-untyped-def]
    item = services.put_on_agenda(world["ib"].user, world["case"], _plain_meeting(world), [])
    client = login(world["ib"].user)
    data = {"form": "action", "a-description": "Bel", "a-owner": str(world["teacher"].pk), "a-due": str(TODAY)}
    for _ in range(2):
        client.post(f"/kinderen/{world['child'].pk}/overleg/{item.pk}/", data, **NL)
    told = Notification.objects.filter(recipient=world["teacher"].user).count()
    assert (ActionItem.objects.filter(agenda_item=item).count(), told) == (1, 1)
    client.post(f"/kinderen/{world['child'].pk}/overleg/{item.pk}/", {**data, "a-due": str(TODAY + timedelta(days=1))})
    assert ActionItem.objects.filter(agenda_item=item).count() == 2  # another due date is another action


def test_the_agenda_from_the_case_page_twice_makes_one_item(world, login) -> None:  # type: ignore[no-untyped-def]
    meeting = _plain_meeting(world)
    client = login(world["ib"].user)
    url = f"/kinderen/{world['child'].pk}/casus/{world['case'].pk}/agenda/"
    first = client.post(url, {"meeting": str(meeting.pk), "parents_invited": "on"}, **NL)
    second = client.post(url, {"meeting": str(meeting.pk), "parents_invited": "on"}, **NL)
    assert (first.status_code, second.status_code) == (302, 400)
    assert AgendaItem.objects.filter(meeting=meeting, case=world["case"]).count() == 1


# --- Actions and forms (guards) -------------------------------------------------------------------------------------


def test_an_action_marked_done_by_someone_else_is_404_and_unchanged(world, login) -> None:  # type: ignore[no-untyped-def]
    item = services.put_on_agenda(world["ib"].user, world["case"], _plain_meeting(world), [world["teacher"]])
    action = services.add_action(
        world["ib"].user, world["case"], description="Bel moeder", owner=world["teacher"], due=TODAY, agenda_item=item
    )
    for who in ("ib", "other_teacher", "stranger"):
        assert login(world[who].user).post(f"/acties/{action.pk}/klaar/").status_code == 404
    action.refresh_from_db()
    assert action.status == ActionItem.Status.OPEN
    client = login(world["teacher"].user)
    client.post(f"/acties/{action.pk}/klaar/")
    client.post(f"/acties/{action.pk}/klaar/")
    assert AccessLogEntry.objects.filter(object_type="action", action="update").count() == 1


def test_an_action_owner_of_another_school_is_refused_with_a_field_error(world, login) -> None:  # type: ignore[no-untyped-def]
    item = services.put_on_agenda(world["ib"].user, world["case"], _plain_meeting(world), [])
    answer = login(world["ib"].user).post(
        f"/kinderen/{world['child'].pk}/overleg/{item.pk}/",
        {"form": "action", "a-description": "x", "a-owner": str(world["stranger"].pk), "a-due": str(TODAY)},
        **NL,
    )
    assert answer.status_code == 400
    assert not ActionItem.objects.exists()


def test_my_actions_table_stacks_on_a_narrow_screen(world, login) -> None:  # type: ignore[no-untyped-def]
    import re

    _action(world, TODAY + timedelta(days=3))
    page = login(world["teacher"].user).get("/acties/", **NL).content.decode()
    assert "rondom-stack" in page
    cells = re.findall(r"<td\b[^>]*>", page)
    assert cells and all('data-label="' in cell for cell in cells)


@pytest.mark.parametrize(
    "data",
    [
        {"date": "2026-13-45", "starts_at": "09:00"},
        {"date": "2026-12-01", "starts_at": "25:99"},
        {"date": "2026-12-01", "starts_at": "10:00", "ends_at": "09:00"},
        {"date": "2026-12-01", "starts_at": "10:00", "chair": "999999"},
        {"date": "2026-12-01", "starts_at": "10:00", "invited": "abc"},
        {"date": "2026-12-01", "starts_at": "10:00", "place": "x\x00y"},
        {"date": "2026-12-01", "starts_at": "10:00", "team": "999999999999999999999"},
    ],
)
def test_meeting_form_bad_input_gives_a_400_and_saves_nothing(world, login, data) -> None:  # type: ignore[no-untyped-def]
    answer = login(world["ib"].user).post("/ondersteuningsteam/overleg/nieuw/", data, **NL)
    if "team" in data:  # an unknown team falls back to the user's own team: fine when the rest is valid
        assert answer.status_code in (302, 400)
        return
    assert answer.status_code == 400, answer.status_code
    assert not Meeting.objects.exists()


def test_a_meeting_of_another_school_cannot_be_changed_or_used_from_a_case(world, login) -> None:  # type: ignore[no-untyped-def]
    child = ChildFactory(school=world["stranger"].organisation)
    sig = Signal.objects.create(
        child=child, source="teacher", concerns=["learning"], description="x", conversation_on=TODAY
    )
    other_case = services.register_case(world["stranger"].user, sig, question="?", today=TODAY)
    foreign = meetings.plan_meeting(
        world["stranger"].user, other_case.team, on=TODAY + timedelta(days=3), starts_at=time(9, 0)
    )
    client = login(world["ib"].user)
    assert client.post(f"/ondersteuningsteam/overleg/{foreign.pk}/wijzigen/", {"date": "2026-12-01"}).status_code == 404
    answer = client.post(
        f"/kinderen/{world['child'].pk}/casus/{world['case'].pk}/agenda/", {"meeting": str(foreign.pk)}, **NL
    )
    assert answer.status_code == 400
    assert not AgendaItem.objects.filter(meeting=foreign, case=world["case"]).exists()


def test_inviting_a_provider_without_support_team_consent_is_a_field_error(world, login) -> None:  # type: ignore[no-untyped-def]
    from django.utils import timezone

    from rondom.access.models import AccessGrant
    from tests.factories import OrganisationFactory, consent_for

    child = world["child"]
    provider = OrganisationFactory(kind="provider")
    contact = MembershipFactory(organisation=provider, role="provider_contact")
    consent = consent_for(child, "provider", provider, ["support"])
    AccessGrant.objects.create(
        child=child,
        grantee=contact,
        granted_by=world["ib"].user,
        consent=consent,
        categories=["support"],
        valid_from=timezone.now(),
        valid_until=timezone.now() + timedelta(days=30),
    )
    meeting = _plain_meeting(world)
    answer = login(world["ib"].user).post(
        f"/kinderen/{child.pk}/casus/{world['case'].pk}/agenda/",
        {"meeting": str(meeting.pk), "invited": [str(contact.pk)]},
        **NL,
    )
    assert answer.status_code == 400, answer.status_code
    assert not AgendaItem.objects.exists()
    assert not TeamMembership.objects.filter(membership=contact).exists()


def _visible(html: str) -> str:
    import re

    html = re.sub(r"(?is)<(script|style)\b.*?</\1>", " ", html)
    html = re.sub(r"(?s)<[^>]+>", " ", html)
    return " ".join(html.split())


def test_the_meeting_pages_are_in_plain_dutch(world, login) -> None:  # type: ignore[no-untyped-def]
    from tests.dutch_text import text_problems

    item = _item(world)
    services.record_minutes(world["ib"].user, item, minutes="Notulen", present=[world["teacher"].user], version=1)
    meetings.record_decision(world["ib"].user, item, "Besluit")
    _action(world, TODAY)
    child, meeting = world["child"], item.meeting
    pages = {
        "ib": [
            f"/kinderen/{child.pk}/overleg/{item.pk}/",
            f"/ondersteuningsteam/overleg/{meeting.pk}/",
            f"/ondersteuningsteam/overleg/{meeting.pk}/agenda/",
            f"/ondersteuningsteam/overleg/{meeting.pk}/wijzigen/",
            "/ondersteuningsteam/overleg/nieuw/",
            f"/kinderen/{child.pk}/casus/{world['case'].pk}/agenda/",
            "/ondersteuningsteam/",
        ],
        "teacher": ["/acties/", f"/kinderen/{child.pk}/overleg/{item.pk}/"],
    }
    problems = {}
    for who, urls in pages.items():
        client = login(world[who].user)
        for url in urls:
            answer = client.get(url, **NL)
            assert answer.status_code == 200, (url, answer.status_code)
            found = text_problems(_visible(answer.content.decode()))
            if found:
                problems[url] = found
    assert problems == {}
