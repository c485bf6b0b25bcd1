"""What a new user met in the demo: code words on a page, "1 leerlingen", and a menu before the second factor."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from tests.factories import ChildFactory, MembershipFactory, OrganisationFactory, consent_for

pytestmark = pytest.mark.django_db


def test_the_consent_list_names_the_shared_parts_of_the_record_in_dutch_not_by_code(login) -> None:  # type: ignore[no-untyped-def]
    child = ChildFactory()
    ib = MembershipFactory(organisation=child.school, role="intern_begeleider").user
    consent_for(child, "provider", OrganisationFactory(kind="provider"), ["support", "youth_care"])

    page = login(ib).get(reverse("consent:child-consents", args=[child.pk]), HTTP_ACCEPT_LANGUAGE="nl")

    content = page.content.decode()
    assert page.status_code == 200
    assert "Ondersteuning op school, Jeugdhulp" in content
    assert "support, youth_care" not in content  # (form values may be codes; what is shown may not)


@pytest.mark.parametrize(
    ("pupils", "expected"),
    [(1, "5 rijen van 1 leerling —"), (3, "5 rijen van 3 leerlingen —")],
)
def test_the_import_result_counts_pupils_in_singular_and_plural(pupils: int, expected: str) -> None:
    record = SimpleNamespace(
        pk=1, status="done", rows=5, pupils=pupils, inserted=5, updated=0, unchanged=0, skipped=0, error_count=0
    )
    with translation.override("nl"):
        html = render_to_string("attendance/_import_status.html", {"record": record, "busy": False})
    assert expected in html


def test_before_the_second_factor_the_menu_offers_no_page(login) -> None:  # type: ignore[no-untyped-def]
    ib = MembershipFactory(role="intern_begeleider").user
    client = login(ib, verified=False)

    page = client.get(reverse("accounts:otp"), HTTP_ACCEPT_LANGUAGE="nl", follow=True)

    content = page.content.decode()
    assert page.status_code == 200
    assert reverse("registry:child-list") not in content  # every menu link would lead back here
    assert reverse("accounts:logout") in content  # but the user can still log out
    verified = login(ib).get(reverse("registry:child-list"), HTTP_ACCEPT_LANGUAGE="nl")
    assert reverse("registry:child-list") in verified.content.decode()
