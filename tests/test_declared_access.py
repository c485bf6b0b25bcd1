"""Declared access (issue 13, point 1): every route that serves a child's data declares what it touches and does
(rondom.access.declared), and the one resolver does the rest. Checked by calling the routes, not only by reading
attributes:

(a) every route serving child data has a declaration for every method it answers, and a route that names a child
    in its URL resolves that child;
(b) every declared route with a GET is called by a user in scope for the child (the demo's shapes: an intern
    begeleider at the child's school, a parent in the portal) and writes exactly the expected access-log rows —
    action, category, ground, object type; a list one row per child shown. A route that cannot be filled here is
    listed in NOT_CALLED with the reason;
(c) outside scope: 404 and no row, for every declared method; in scope but not allowed: 403 and no row.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.files.base import ContentFile
from django.test import Client
from django.views import View

from rondom.access import policy
from rondom.access.declared import (
    NO_CHILD_DATA,
    PER_OBJECT,
    ChildRecordView,
    Declaration,
    declaration_of,
    read,
    update,
)
from rondom.attendance.models import AbsenceProtocol, ThresholdSignal
from rondom.audit.models import AccessLogEntry
from rondom.cases import services as case_services
from rondom.cases.models import AgendaItem, Meeting, Plan, Signal
from rondom.core.categories import Action, DataCategory
from rondom.opp.models import Instemming
from rondom.portal.models import FamilyDocument
from rondom.swv.models import RequestDocument, SwvRequest
from rondom.thuiszitters.models import Thuiszitter
from rondom.transfers.models import Transfer
from tests.factories import (
    ChildFactory,
    GuardianshipFactory,
    MembershipFactory,
    NoteFactory,
    OrganisationFactory,
    SchoolFactory,
    consent_for,
    teacher_of,
)
from tests.test_routes_guarded import BY_DESIGN_OPEN, ROUTES, view_declaration

NOW = datetime(2026, 3, 10, 10, 0, tzinfo=ZoneInfo("Europe/Amsterdam"))
TODAY = NOW.date()
HANDLERS = ("get", "post", "put", "patch", "delete")
SCHOOL_ROLE, PARENT = "school_role", "parent"

# --- (a) every route declares -------------------------------------------------------------------------------------


def _view_class(callback: Any) -> Any:
    return getattr(callback, "view_class", None) or getattr(callback, "cls", None)


def declaration_problems(routes: list[tuple[str, str, Any]]) -> list[str]:
    """What is wrong with the declarations of these (path, name, callback) routes: a route serving child data
    without a Declaration, a method it answers that is not declared, or a child in the URL that is not resolved."""
    problems = []
    for path, name, callback in routes:
        if view_declaration(callback) is not True:
            continue
        declaration = declaration_of(callback)
        if declaration is None:
            problems.append(f"{name}: serves child data without a Declaration")
            continue
        view = _view_class(callback)
        answered = [m for m in HANDLERS if view is not None and hasattr(view, m)]
        undeclared = [m for m in answered if declaration.access_for(m) is None]
        if undeclared:
            problems.append(f"{name}: {', '.join(undeclared)} not declared")
        names_child = "<int:child_id>" in path or "<child_id>" in path
        if names_child and declaration.child_kwarg != "child_id" and name not in BY_DESIGN_OPEN:
            problems.append(f"{name}: the URL names a child that the declaration does not resolve")
        if declaration.child_kwarg is not None and f":{declaration.child_kwarg}>" not in path:
            problems.append(f"{name}: declares child kwarg {declaration.child_kwarg!r} that the URL does not have")
    return problems


def test_every_route_serving_child_data_declares_every_method_it_answers() -> None:
    assert declaration_problems(ROUTES) == []
    assert sum(declaration_of(cb) is not None for _p, _n, cb in ROUTES) >= 50


class _Undeclared(View):
    serves_child_data = True

    def get(self, request: Any, child_id: int) -> Any:  # pragma: no cover - never called
        raise AssertionError


class _HalfDeclared(ChildRecordView):
    declaration = Declaration(get=read(DataCategory.SUPPORT))

    def post(self, request: Any, child_id: int) -> Any:  # pragma: no cover - never called
        raise AssertionError


class _ListNamingAChild(ChildRecordView):
    declaration = Declaration(get=read(DataCategory.SUPPORT), child_kwarg=None)


def test_the_route_check_fails_on_a_missing_declaration() -> None:
    """The check above can fail: a view without a declaration, one with an undeclared method, one that ignores the
    child in its URL are all reported."""
    routes = [
        ("x/<int:child_id>/", "undeclared", _Undeclared.as_view()),
        ("y/<int:child_id>/", "half", _HalfDeclared.as_view()),
        ("z/<int:child_id>/", "list", _ListNamingAChild.as_view()),
    ]
    assert declaration_problems(routes) == [
        "undeclared: serves child data without a Declaration",
        "half: post not declared",
        "list: the URL names a child that the declaration does not resolve",
    ]


def test_the_walk_reaches_web_and_api_routes() -> None:
    names = {name for _p, name, _cb in ROUTES}
    assert {"cases:case-page", "api-child-case", "portal:child", "api-cases"} <= names


# --- The world ------------------------------------------------------------------------------------------------


@pytest.fixture
def world(settings, tmp_path) -> Iterator[dict[str, Any]]:  # type: ignore[no-untyped-def]
    """One pupil at one school, as in the demo: the intern begeleider (school role), a teacher (in scope, reads
    basic details and support only), the parent with authority, an intern begeleider of another school (no
    ground), and one of everything a page shows: note, consent, signal, case on the team's agenda with minutes,
    plan, absence signal, thuiszitter period, family document."""
    settings.VAR_DIR = tmp_path
    with time_machine.travel(NOW, tick=False):
        child = ChildFactory(date_of_birth=date(2017, 1, 5))
        parent = GuardianshipFactory(child=child).user
        ib = MembershipFactory(organisation=child.school, role="intern_begeleider").user
        teacher = teacher_of(child).user
        stranger = MembershipFactory(organisation=SchoolFactory(), role="intern_begeleider").user
        note = NoteFactory(child=child, category="support")
        consent = consent_for(child, "support_team", None, ["support"])
        signal = Signal.objects.create(
            child=child,
            source="teacher",
            concerns=["learning"],
            description="Zorg.",
            conversation_on=TODAY,
            conversation_notes="Gesproken met ouders.",
        )
        case = case_services.register_case(ib, signal, question="Wat helpt?", today=TODAY)
        meeting = Meeting.objects.create(team=case.team, date=TODAY + timedelta(days=7))
        item = AgendaItem.objects.create(meeting=meeting, case=case, minutes="Besproken.")
        item.present.add(ib)
        plan = Plan.objects.create(
            child=child,
            version=1,
            content={"goals": [], "opp": {"uitstroombestemming": "havo", "handelingsdeel": []}},
            opp_basis="extra_support",
        )
        instemming = Instemming(
            child=child,
            subject="handelingsdeel",
            plan=plan,
            plan_version=1,
            content_hash="0" * 64,
            capacity="parent",
            person_name="Ouder",
            agrees=True,
            method="paper",
            scan_name="scan.pdf",
            scan_content_type="application/pdf",
        )
        instemming.scan.save("x.pdf", ContentFile(b"%PDF-1.7 "), save=True)
        absence_signal = ThresholdSignal.objects.create(
            child=child,
            protocol=AbsenceProtocol.objects.first(),
            role="intern_begeleider",
            period_start=TODAY - timedelta(days=28),
            crossed_on=TODAY,
            value=16,
            due_on=TODAY + timedelta(days=5),
        )
        thuiszitter = Thuiszitter.objects.create(child=child, kind="absolute", reason="refusal", started_on=TODAY)
        document = FamilyDocument(
            child=child, capacity="parent", name="verslag.pdf", content_type="application/pdf", size=9
        )
        document.file.save("x.pdf", ContentFile(b"%PDF-1.7 "), save=True)
        swv = OrganisationFactory(kind="swv", name="SWV")
        loket = MembershipFactory(organisation=swv, role="swv_loket").user
        swv_request = SwvRequest.objects.create(
            child=child,
            school=child.school,
            swv=swv,
            kind="tlv",
            question="Vraag",
            consent=consent_for(child, "swv", swv, ["support"]),
            received_on=TODAY,
            decide_by=TODAY + timedelta(days=7),
        )
        swv_document = RequestDocument.objects.create(
            request=swv_request, consent=swv_request.consent, family_document=document, name=document.name
        )
        transfer = Transfer.objects.create(
            child=child,
            from_school=child.school,
            to_school=SchoolFactory(school_type="vo"),
            kind="po_vo",
            moves_on=TODAY + timedelta(days=30),
            previous_access_until=TODAY + timedelta(days=60),
        )
        values = {
            "swv_request_id": swv_request.pk,
            "swv_document_id": swv_document.pk,
            "transfer_id": transfer.pk,
            "child_id": child.pk,
            "note_id": note.pk,
            "consent_id": consent.pk,
            "signal_id": signal.pk,
            "case_id": case.pk,
            "item_id": item.pk,
            "thuiszitter_id": thuiszitter.pk,
            "document_id": document.pk,
            "request_id": 1,
            "meeting_id": meeting.pk,
            "action_id": 1,
            "instemming_id": instemming.pk,
        }
        yield {
            "child": child,
            "plan": plan,
            "users": {"ib": ib, "teacher": teacher, "parent": parent, "stranger": stranger, "loket": loket},
            "values": values,
            # The absence signal page names a ThresholdSignal; the case pages a Signal.
            "overrides": {
                name: {"signal_id": absence_signal.pk}
                for name in ("attendance:signal", "api-absence-signal", "api-absence-signal-handle")
            },
        }


def _url(world: dict[str, Any], path: str, name: str) -> str:
    values = {**world["values"], **world["overrides"].get(name, {})}
    return "/" + re.sub(r"<(?:\w+:)?(\w+)>", lambda m: str(values[m.group(1)]), path)


def _rows_after(seq: int) -> list[tuple[str, str, str, str]]:
    return [
        (r.action, r.category, r.ground, r.object_type)
        for r in AccessLogEntry.objects.filter(seq__gt=seq).order_by("seq")
    ]


def _last_seq() -> int:
    last = AccessLogEntry.objects.order_by("-seq").first()
    return last.seq if last else 0


# --- (b) each declared route, called ------------------------------------------------------------------------------

R, S = "read", "search"
ID, SUP, ABS = "identity", "support", "absence"

#: Route name -> (who calls it, the exact rows a GET writes: action, category, ground, object type). Lists write one
#: row per child shown (one pupil here; none where the user's list is empty).
EXPECTED: dict[str, tuple[str, list[tuple[str, str, str, str]]]] = {
    "registry:child-list": ("ib", [(S, ID, SCHOOL_ROLE, "child")]),
    # The record: basic details, and each note category the user may read (absence, support: in that order).
    "registry:child-detail": (
        "ib",
        [(R, ID, SCHOOL_ROLE, "child"), (R, ABS, SCHOOL_ROLE, "notes"), (R, SUP, SCHOOL_ROLE, "notes")],
    ),
    "consent:child-consents": ("ib", [(R, SUP, SCHOOL_ROLE, "consents")]),
    "cases:my-cases": ("ib", [(S, SUP, SCHOOL_ROLE, "child")]),
    "cases:team-agenda": ("ib", [(S, SUP, SCHOOL_ROLE, "child")]),
    "cases:inbox": ("ib", []),  # no request for help is addressed to the ib'er: nothing shown
    "cases:inbox-action": ("ib", []),  # a GET there sends back to the inbox
    # The timeline shows the thuiszitter period (absence): a read of that part too (cases.timeline).
    "cases:case-page": ("ib", [(R, SUP, SCHOOL_ROLE, "case_page"), (R, ABS, SCHOOL_ROLE, "timeline")]),
    "cases:signal-create": ("ib", [(R, ID, SCHOOL_ROLE, "signal_form")]),
    "cases:help-request": ("ib", [(R, SUP, SCHOOL_ROLE, "consents")]),
    "cases:plan": ("ib", [(R, SUP, SCHOOL_ROLE, "plan")]),
    "attendance:signals": ("ib", [(S, ABS, SCHOOL_ROLE, "child")]),
    "attendance:child-absence": ("ib", [(R, ABS, SCHOOL_ROLE, "absence")]),
    "attendance:signal": ("ib", [(R, ABS, SCHOOL_ROLE, "absence_signal")]),
    "thuiszitters:register-list": ("ib", [(S, ABS, SCHOOL_ROLE, "child")]),
    # Notifications name the child only when the user may read it now; the ib'er has none here: nothing named.
    "notifications:list": ("ib", []),
    "thuiszitters:register": ("ib", [(R, ABS, SCHOOL_ROLE, "thuiszitter")]),
    "thuiszitters:detail": ("ib", [(R, ABS, SCHOOL_ROLE, "thuiszitter")]),
    "portal:home": ("parent", [(R, ID, PARENT, "child")]),
    "portal:child": ("parent", [(R, SUP, PARENT, "portal_plan")]),
    "portal:consents": ("parent", [(R, SUP, PARENT, "portal_consents")]),
    "portal:who-looked": ("parent", [(R, ID, PARENT, "access_log")]),
    "portal:document": ("parent", [(R, SUP, PARENT, "family_document")]),
    "portal:offer-choice": ("ib", [(R, SUP, SCHOOL_ROLE, "supporter_choice")]),
    "portal:family-document": ("ib", [(R, SUP, SCHOOL_ROLE, "family_document")]),
    "feedback:portal-questionnaire": ("parent", [(R, SUP, PARENT, "feedback_questionnaire")]),
    "feedback:teacher-questionnaire": ("ib", [(R, SUP, SCHOOL_ROLE, "feedback_questionnaire")]),
    "api-children": ("ib", [(S, ID, SCHOOL_ROLE, "child")]),
    "api-child": ("ib", [(R, ID, SCHOOL_ROLE, "child")]),
    "api-child-notes": ("ib", [(R, ID, SCHOOL_ROLE, "child"), (R, SUP, SCHOOL_ROLE, "notes")]),
    "api-child-note": ("ib", [(R, SUP, SCHOOL_ROLE, "note")]),
    "api-child-consents": ("ib", [(R, SUP, SCHOOL_ROLE, "consents")]),
    "api-cases": ("ib", [(S, SUP, SCHOOL_ROLE, "child")]),
    "api-inbox": ("ib", []),  # no request for help is addressed to the ib'er
    "api-child-signals": ("ib", [(R, SUP, SCHOOL_ROLE, "signals")]),
    "api-child-case": ("ib", [(R, SUP, SCHOOL_ROLE, "case")]),
    "api-minutes": ("ib", [(R, SUP, SCHOOL_ROLE, "minutes")]),
    "cases:meeting": ("ib", [(S, SUP, SCHOOL_ROLE, "child")]),
    "cases:meeting-print": ("ib", [("print", SUP, SCHOOL_ROLE, "child")]),
    "cases:agenda-from-case": ("ib", [(R, SUP, SCHOOL_ROLE, "case")]),
    "cases:agenda-item": ("ib", [(R, SUP, SCHOOL_ROLE, "agenda_item")]),
    "cases:my-actions": ("ib", []),  # no action is assigned to the ib'er: nothing shown
    "api-child-plan": ("ib", [(R, SUP, SCHOOL_ROLE, "plan")]),
    # Issue 15, part 6: the API of every capability with pages writes the rows its page writes.
    "api-absence-signals": ("ib", [(S, ABS, SCHOOL_ROLE, "child")]),
    "api-absence-signal": ("ib", [(R, ABS, SCHOOL_ROLE, "absence_signal")]),
    "api-child-absence": ("ib", [(R, ABS, SCHOOL_ROLE, "absence")]),
    "api-thuiszitters": ("ib", [(S, ABS, SCHOOL_ROLE, "child")]),
    "api-thuiszitter": ("ib", [(R, ABS, SCHOOL_ROLE, "thuiszitter")]),
    "api-teacher-questionnaire": ("ib", [(R, SUP, SCHOOL_ROLE, "feedback_questionnaire")]),
    "api-portal-questionnaire": ("parent", [(R, SUP, PARENT, "feedback_questionnaire")]),
    "api-portal-children": ("parent", [(R, ID, PARENT, "child")]),
    "api-portal-child": ("parent", [(R, SUP, PARENT, "portal_plan")]),
    "api-portal-consents": ("parent", [(R, SUP, PARENT, "portal_consents")]),
    "api-portal-who-looked": ("parent", [(R, ID, PARENT, "access_log")]),
    "api-notifications": ("ib", []),  # no notification names a child here
    # A warm transfer (rondom.transfers): the sending school's offer form and transfer page, its report (the print of
    # the support record and of the absence summary), the receiving school's list (empty for the sending school),
    # and the family's consent page.
    "transfers:offer": ("ib", [(R, SUP, SCHOOL_ROLE, "transfer")]),
    "transfers:transfer": ("ib", [(R, SUP, SCHOOL_ROLE, "transfer")]),
    "transfers:report": (
        "ib",
        [("print", SUP, SCHOOL_ROLE, "transfer_report"), ("print", ABS, SCHOOL_ROLE, "transfer_report")],
    ),
    # The OSO overstapdossier (XML): one export of the support record.
    "transfers:oso": ("ib", [("export", SUP, SCHOOL_ROLE, "transfer_oso")]),
    "transfers:incoming": ("ib", []),
    "transfers:portal-consent": ("parent", [(R, SUP, PARENT, "transfer")]),
    # Issue 16, part 3: the child's requests to the samenwerkingsverband, the request form, the family's page.
    "swv:school-requests": ("ib", [(R, SUP, SCHOOL_ROLE, "swv_requests")]),
    "swv:school-request-create": ("ib", [(R, SUP, SCHOOL_ROLE, "swv_request_form")]),
    "swv:portal-requests": ("parent", [(R, SUP, PARENT, "portal_swv_requests")]),
    # Issue 16, the OPP: the page, the PDF (a print of the plan), the work list (the plan here is no OPP: none shown).
    "opp:page": ("ib", [(R, SUP, SCHOOL_ROLE, "opp")]),
    "opp:pdf": ("ib", [("print", SUP, SCHOOL_ROLE, "plan")]),
    "opp:evaluations-due": ("ib", []),
    # The samenwerkingsverband's loket (issue 16): its queue and one request, on the request's ground.
    "swv:loket-queue": ("loket", [(S, SUP, "swv_request", "swv_request")]),
    "swv:loket-request": ("loket", [(R, SUP, "swv_request", "swv_request")]),
    "swv:loket-document": ("loket", [(R, SUP, "swv_request", "swv_document")]),
    # Issue 16, part 2: the OPP's instemming in the portal and on paper (docs/instemming.md).
    "opp:portal-opp": ("parent", [(R, SUP, PARENT, "portal_opp")]),
    "opp:portal-minutes": ("parent", [(R, SUP, PARENT, "portal_minutes")]),
    "opp:paper": ("ib", [(R, SUP, SCHOOL_ROLE, "opp_instemming")]),
    "opp:instemming-scan": ("ib", [(R, SUP, SCHOOL_ROLE, "instemming_scan")]),
}
#: Declared routes with a GET that this test does not call, and why.
NOT_CALLED = {
    "registry:emergency": "GET is an empty form (NO_CHILD_DATA); pressing the button is tested in "
    "src/rondom/access/tests/test_emergency_team_and_grants.py",
    "monitoring:research": "GET is an empty form for policy staff (NO_CHILD_DATA); the export's rows are tested in "
    "src/rondom/monitoring/tests/test_research_export.py",
}


def _declared_gets() -> dict[str, tuple[str, Declaration]]:
    found = {}
    for path, name, callback in ROUTES:
        declaration = declaration_of(callback)
        if declaration is not None and declaration.get is not None:
            found[name] = (path, declaration)
    return found


def test_every_declared_get_is_called_or_listed_with_a_reason() -> None:
    declared = set(_declared_gets())
    assert declared - set(EXPECTED) - set(NOT_CALLED) == set(), "add the route to EXPECTED (or NOT_CALLED, why)"
    assert set(EXPECTED) | set(NOT_CALLED) <= declared, "a route in the table no longer declares a GET"
    for name in NOT_CALLED:
        assert _declared_gets()[name][1].get == NO_CHILD_DATA


@pytest.mark.django_db
def test_each_declared_route_writes_exactly_the_expected_rows(world, login) -> None:  # type: ignore[no-untyped-def]
    declared = _declared_gets()
    wrong = []
    with time_machine.travel(NOW, tick=False):
        for name, (who, expected) in EXPECTED.items():
            path, declaration = declared[name]
            client: Client = login(world["users"][who])
            before = _last_seq()
            response = client.get(_url(world, path, name))
            rows = _rows_after(before)
            if response.status_code not in (200, 302) or rows != expected:
                wrong.append(f"{name}: {response.status_code} {rows} != {expected}")
            # The first row is the declared one (a detail page: its action, category and object type).
            access = declaration.get
            assert access is not None
            if expected and declaration.child_kwarg is not None and access.category != PER_OBJECT:
                assert expected[0][:2] == (access.action, access.category), name
                assert expected[0][3] == declaration.object_type, name
            client.logout()
    assert wrong == []


# --- (c) 404 outside scope, 403 in scope but not allowed, no row either way ---------------------------------------


def _child_routes() -> Iterator[tuple[str, str, Declaration]]:
    for path, name, callback in ROUTES:
        declaration = declaration_of(callback)
        if declaration is not None and declaration.child_kwarg is not None:
            yield path, name, declaration


@pytest.mark.django_db
def test_outside_scope_every_declared_method_answers_404_without_a_row(world, login) -> None:  # type: ignore[no-untyped-def]
    client = login(world["users"]["stranger"])
    before, probed = _last_seq(), 0
    with time_machine.travel(NOW, tick=False):
        for path, name, declaration in _child_routes():
            for method in declaration.accesses():
                response = getattr(client, method)(_url(world, path, name), {}, content_type="application/json")
                assert response.status_code == 404, f"{method.upper()} {name} -> {response.status_code}"
                probed += 1
    assert probed >= 40
    assert _rows_after(before) == []


def _allowed(user: Any, child: Any, action: str, category: str, also: str | None) -> bool:
    return policy.decide(user, child, action, category).allowed and (
        also is None or policy.decide(user, child, also, category).allowed
    )


@pytest.mark.django_db
def test_in_scope_but_not_allowed_answers_403_without_a_row(world, login) -> None:  # type: ignore[no-untyped-def]
    """The teacher is in scope (reads basic details and support) but may not read absence nor change anything:
    every declared method the policy refuses answers 403 before anything is looked at; the family's pages (family
    grounds only) do not exist for the teacher (404)."""
    teacher, child = world["users"]["teacher"], world["child"]
    client = login(teacher)
    refused = []
    with time_machine.travel(NOW, tick=False):
        for path, name, declaration in _child_routes():
            for method, access in declaration.accesses().items():
                if access.service_decides or access == NO_CHILD_DATA:
                    continue  # the service decides (its own tests); no child data
                category = "support" if access.category == PER_OBJECT else access.category  # the note is support
                before = _last_seq()
                response = getattr(client, method)(_url(world, path, name), {}, content_type="application/json")
                if declaration.opens is not None:
                    assert response.status_code == 404, f"{method.upper()} {name} -> {response.status_code}"
                elif not _allowed(teacher, child, access.action, category, access.also):
                    assert response.status_code == 403, f"{method.upper()} {name} -> {response.status_code}"
                    refused.append(f"{method} {name}")
                else:
                    continue  # an allowed read or change: its rows are tested above and by the services' tests
                assert _rows_after(before) == [], f"{method.upper()} {name} wrote a row"
    assert len(refused) >= 15
    assert {"get attendance:child-absence", "put api-child-plan", "patch api-child-note"} <= set(refused)


def test_the_helpers_build_the_access_a_declaration_names() -> None:
    assert read(DataCategory.SUPPORT, also=Action.UPDATE) == read(DataCategory.SUPPORT, also="update")
    assert update(DataCategory.ABSENCE, service_decides=True).is_change
    assert Declaration(get=read(DataCategory.IDENTITY)).access_for("HEAD") == read(DataCategory.IDENTITY)
    assert Declaration(get=read(DataCategory.IDENTITY)).access_for("OPTIONS") is None


@pytest.mark.django_db
def test_a_function_view_declares_with_the_decorator(world, rf) -> None:  # type: ignore[no-untyped-def]
    """`@declares` runs the same resolver for a function view: the view gets the child and the decision, a read
    is logged; outside scope 404 without a row; an undeclared method 405."""
    from django.http import Http404, HttpResponse

    from rondom.access.declared import declares

    @declares(Declaration(get=read(DataCategory.SUPPORT), object_type="case_page"))
    def page(request: Any, resolved: Any, child_id: int) -> HttpResponse:
        return HttpResponse(f"{resolved.child.pk} {resolved.decision.ground}")

    child = world["child"]
    with time_machine.travel(NOW, tick=False):
        request = rf.get("/x/")
        request.user = world["users"]["ib"]
        before = _last_seq()
        assert page(request, child_id=child.pk).content.decode() == f"{child.pk} {SCHOOL_ROLE}"
        assert _rows_after(before) == [(R, SUP, SCHOOL_ROLE, "case_page")]
        assert page.serves_child_data is True and declaration_of(page) is not None  # type: ignore[attr-defined]

        request.user = world["users"]["stranger"]
        before = _last_seq()
        with pytest.raises(Http404):
            page(request, child_id=child.pk)
        post = rf.post("/x/")
        post.user = world["users"]["ib"]
        assert page(post, child_id=child.pk).status_code == 405
        assert _rows_after(before) == []
