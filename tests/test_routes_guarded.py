"""Every route is guarded: a test walks all URL patterns.

Each route must declare whether it serves a child's data (`serves_child_data`); routes that do declare what they
touch with a `rondom.access.declared.Declaration` (checked, and every declared route called, in
tests/test_declared_access.py). Routes that serve child data are probed with a professional who has no ground
for the child: every method they accept must answer 404 (the record does not exist for them), and anonymous
users never get past the login.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest
from django.contrib import admin
from django.urls import URLPattern, URLResolver, get_resolver

from rondom.audit.models import AccessLogEntry
from rondom.cases.models import AgendaItem, Case, Meeting, Signal, SupportTeam
from rondom.consent.models import Consent
from rondom.registry.models import ChildNote
from rondom.thuiszitters.models import Thuiszitter
from tests.factories import ChildFactory, MembershipFactory, NoteFactory, SchoolFactory, consent_for

#: Routes that are part of Django or third-party packages and serve no child data.
FRAMEWORK_ROUTES = ("admin:", "django.views.static", "django.contrib.staticfiles")
#: Models that hold children's data must never be reachable through the Django admin.
CHILD_DATA_MODELS = {
    "registry.child",
    "registry.childnote",
    "registry.guardianship",
    "consent.consent",
    "consent.consentgiver",
    "access.teammembership",
    "access.accessgrant",
    "access.emergencyaccess",
    "audit.accesslogentry",
    "attendance.absencerecord",
    "attendance.thresholdsignal",
    "thuiszitters.thuiszitter",
}
#: The emergency button opens a record outside the user's scope by design (with a written reason, logged and
#: reviewed): see src/rondom/access/tests/test_emergency_team_and_grants.py.
BY_DESIGN_OPEN = {"api-emergency-access"}


def walk(resolver: URLResolver, prefix: str = "", namespace: str = "") -> Iterator[tuple[str, str, Any]]:
    for p in resolver.url_patterns:
        if isinstance(p, URLResolver):
            ns = f"{namespace}{p.namespace}:" if p.namespace else namespace
            yield from walk(p, prefix + str(p.pattern), ns)
        elif isinstance(p, URLPattern):
            yield prefix + str(p.pattern), f"{namespace}{p.name}", p.callback


def view_declaration(callback: Any) -> bool | None:
    """Whether the route serves child data (True for every view on rondom.access.declared), or None: undeclared."""
    for holder in (callback, getattr(callback, "view_class", None), getattr(callback, "cls", None)):
        if holder is not None and hasattr(holder, "serves_child_data"):
            return holder.serves_child_data
    return None


ROUTES = [r for r in walk(get_resolver()) if not r[1].startswith(FRAMEWORK_ROUTES)]


def test_every_route_declares_whether_it_serves_child_data() -> None:
    undeclared = [f"{path} ({name})" for path, name, cb in ROUTES if view_declaration(cb) is None]
    assert undeclared == [], f"Routes without serves_child_data: {undeclared}"


def test_child_data_is_not_registered_in_the_admin() -> None:
    registered = {f"{m._meta.app_label}.{m._meta.model_name}" for m in admin.site._registry}
    assert registered & CHILD_DATA_MODELS == set()


@pytest.mark.django_db
def test_every_child_data_route_answers_404_to_a_professional_without_ground(login) -> None:  # type: ignore[no-untyped-def]
    child = ChildFactory()
    note = NoteFactory(child=child)
    consent = consent_for(child, "support_team", None, ["support"])
    stranger = MembershipFactory(organisation=SchoolFactory(), role="intern_begeleider").user
    client = login(stranger)
    signal = Signal.objects.create(child=child, source="teacher", concerns=["learning"], description="x")
    case = Case.objects.create(
        child=child,
        team=SupportTeam.objects.create(school=child.school),
        signal=signal,
        question="?",
        decision_due=date.today(),
    )
    item = AgendaItem.objects.create(meeting=Meeting.objects.create(team=case.team, date=date.today()), case=case)
    thuiszitter = Thuiszitter.objects.create(child=child, kind="relative", reason="other", started_on=date.today())
    values = {
        "item_id": item.pk,
        "child_id": child.pk,
        "note_id": note.pk,
        "consent_id": consent.pk,
        "signal_id": signal.pk,
        "case_id": case.pk,
        "thuiszitter_id": thuiszitter.pk,
        "document_id": 1,
        "transfer_id": 1,
        "request_id": 1,  # a request to the samenwerkingsverband (rondom.swv): 404 before it is looked up
        "swv_request_id": 1,
        "swv_document_id": 1,
        "instemming_id": 1,
    }
    probed = 0
    for path, name, callback in ROUTES:
        if not view_declaration(callback) or name in BY_DESIGN_OPEN:
            continue
        if "child_id" not in path:
            # List routes (no child in the URL) are tested by what they list: see the matrix tests.
            continue
        url = "/" + re.sub(r"<(?:\w+:)?(\w+)>", lambda m: str(values[m.group(1)]), path)
        for method in ("get", "post", "patch", "delete"):
            response = getattr(client, method)(url, {}, content_type="application/json")
            assert response.status_code in (404, 405), f"{method.upper()} {url} ({name}) -> {response.status_code}"
            probed += response.status_code == 404
    assert probed >= 8
    assert AccessLogEntry.objects.filter(child_id=child.pk).count() == 0
    assert ChildNote.objects.filter(child=child).count() == 1
    assert Consent.objects.get(pk=consent.pk).withdrawn_at is None


@pytest.mark.django_db
def test_anonymous_users_reach_no_child_data(client) -> None:  # type: ignore[no-untyped-def]
    child = ChildFactory()
    for path, _name, callback in ROUTES:
        if not view_declaration(callback):
            continue
        url = "/" + re.sub(r"<(?:\w+:)?(\w+)>", str(child.pk), path)
        response = client.get(url)
        assert response.status_code in (302, 403, 405), f"{url} -> {response.status_code}"
        if response.status_code == 302:
            assert response["Location"].startswith(("/accounts/login/", "/portaal/inloggen/"))
