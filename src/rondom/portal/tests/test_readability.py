"""Family-facing texts are written at B1 level: every portal page, in Dutch, scores at least 60 on Flesch-Douma."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.test import Client

from rondom.cases.models import Plan
from rondom.portal.readability import flesch_douma, main_text, syllables
from tests.factories import ChildFactory, GuardianshipFactory, OrganisationFactory, born_years_ago, consent_for

pytestmark = pytest.mark.django_db
B1_MINIMUM = 60


def test_the_score_tells_plain_from_officialese() -> None:
    assert syllables("school") == 1 and syllables("toestemming") == 3 and syllables("jeugdhulpverlening") == 5
    plain = "U beslist wie het dossier mag zien. Trekt u een toestemming in? Dan stopt die meteen."
    officialese = (
        "Indien de gezagsdrager voornemens is de verleende toestemming tot gegevensverstrekking in te trekken, "
        "dient hiertoe een schriftelijke verklaring aan de verwerkingsverantwoordelijke te worden overgelegd."
    )
    assert flesch_douma(plain) >= B1_MINIMUM > flesch_douma(officialese)


def test_every_portal_page_reads_at_b1_level_in_dutch(login) -> None:  # type: ignore[no-untyped-def]
    child = ChildFactory(date_of_birth=born_years_ago(9))
    parent = GuardianshipFactory(child=child, user__email="ouder@example.org").user
    consent_for(child, "provider", OrganisationFactory(kind="provider", name="Trias Jeugdhulp"), ["support"])
    Plan.objects.create(
        child=child,
        version=1,
        content={
            "goals": [
                {
                    "id": "g1",
                    "domain": "school",
                    "description": "Weer mee doen in de klas",
                    "target": "Elke dag iets zeggen",
                    "owner": "",
                    "support_by": "juf Lotte",
                    "support_where": "op school",
                }
            ]
        },
    )
    anonymous = Client()
    anonymous.cookies[settings.LANGUAGE_COOKIE_NAME] = "nl"
    scores = {
        "/portaal/inloggen/": round(flesch_douma(main_text(anonymous.get("/portaal/inloggen/").content.decode())), 1)
    }
    code_step = Client()
    code_step.force_login(parent, backend="django.contrib.auth.backends.ModelBackend")
    code_step.cookies[settings.LANGUAGE_COOKIE_NAME] = "nl"
    scores["/portaal/code/"] = round(flesch_douma(main_text(code_step.get("/portaal/code/").content.decode())), 1)
    client = login(parent)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "nl"
    pages = [
        "/portaal/",
        f"/portaal/kind/{child.pk}/",
        f"/portaal/kind/{child.pk}/toestemming/",
        f"/portaal/kind/{child.pk}/wie-keek/",
    ]
    for url in pages:
        scores[url] = round(flesch_douma(main_text(client.get(url).content.decode())), 1)
    print("Flesch-Douma per portal page:", scores)
    assert all(score >= B1_MINIMUM for score in scores.values()), scores
