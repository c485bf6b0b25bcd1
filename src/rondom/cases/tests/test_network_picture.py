"""The "Wie zijn betrokken" picture on the case page: its coordinates are machine values, written with a decimal
point in every language (issue 14: in Dutch they came out as "240,0" and the drawing broke), next to the table
that says the same."""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from django.utils import timezone

from rondom.access.models import TeamMembership
from rondom.cases import selectors, services
from rondom.cases.models import Signal
from rondom.cases.selectors import Involvement
from tests.factories import ChildFactory, MembershipFactory

pytestmark = pytest.mark.django_db

COORDINATE = re.compile(r'\b(?:x|y|x1|y1|x2|y2|cx|cy)="([^"]*)"')


def _svg(html: str) -> str:
    return html.split('<svg class="rondom-network"')[1].split("</svg>")[0]


def test_the_network_picture_in_dutch_has_no_decimal_comma_in_its_coordinates(login) -> None:  # type: ignore[no-untyped-def]
    child = ChildFactory(given_name="Noor")
    ib = MembershipFactory(organisation=child.school, role="intern_begeleider").user
    signal = Signal.objects.create(
        child=child,
        source="teacher",
        concerns=["behaviour"],
        description="x",
        conversation_on=timezone.localdate(),
        conversation_notes="gesprek",
    )
    services.register_case(ib, signal, question="Wat helpt?")
    for role in ("intern_begeleider", "teacher", "school_social_worker"):  # three around the child: 240 ± 147,2
        TeamMembership.objects.create(
            child=child, membership=MembershipFactory(organisation=child.school, role=role), added_by=ib
        )
    client = login(ib)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "nl"
    page = client.get(f"/kinderen/{child.pk}/casus/")
    html = page.content.decode()
    assert page.status_code == 200 and 'lang="nl"' in html
    coordinates = COORDINATE.findall(_svg(html))
    assert coordinates, "the picture draws the child and who is involved"
    for value in coordinates:
        assert re.fullmatch(r"-?\d+(\.\d+)?", value), f"not a machine number in the SVG: {value!r}"
    # The table alternative stays next to the picture.
    assert "rondom-network" in html and html.index("</svg>") < html.index(
        '<table class="utrecht-table rondom-stack">', html.index("</svg>")
    )


def test_the_layout_places_helpers_on_a_circle_with_fractional_coordinates() -> None:
    people = [Involvement(f"Helper {n}", "School", "ib", None, True, "case") for n in range(3)]
    centre, nodes = selectors.network_layout("Noor", people)
    assert (centre.x, centre.y) == (240, 240) and len(nodes) == 3
    assert any(node.x != int(node.x) for node in nodes)  # 240 + 170 cos(30°): the case the template must not localise
    assert all(node.label_y == round(node.y + 38, 1) and node.sublabel_y == round(node.y + 52, 1) for node in nodes)
