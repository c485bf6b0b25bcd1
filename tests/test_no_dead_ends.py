"""Pages that never dead-end, walked as every demo login (issue 11 point 10): the menu offers only pages the role
may open, a link in a list opens for its reader, and no page shows an environment-variable name."""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.conf import settings
from django.test import Client, override_settings
from django.urls import reverse

from rondom.accounts.models import User
from rondom.demo import data
from tests.conftest_helpers import verified_client
from tests.shared_data import FAST_PASSWORD_HASHERS, built_once

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parent.parent
SRC = ROOT / "src" / "rondom"
#: What betrays configuration to a user: our own variables and the usual ones of the platform.
ENVIRONMENT_NAME = re.compile(r"\b(RONDOM_[A-Z_]+|DATABASE_URL|REDIS_URL|DJANGO_[A-Z_]+)\b")
#: Lists that link to children's records or other pages, per demo login.
LISTS = {
    "aanbieder": ["cases:inbox"],
    "smw": ["cases:inbox", "cases:social-work-log"],
    "wijkteam": ["cases:inbox", "thuiszitters:register-list"],
    "leerplicht": ["thuiszitters:register-list", "attendance:signals"],
    "beleid": ["thuiszitters:register-list", "monitoring:dashboard"],
    "bloz": ["thuiszitters:register-list", "monitoring:dashboard"],
    "ib": ["thuiszitters:register-list", "cases:my-cases"],
}


MOMENT = datetime(2026, 11, 27, 10, 0, tzinfo=ZoneInfo("Europe/Amsterdam"))


@pytest.fixture(autouse=True)
def _clock():  # type: ignore[no-untyped-def]
    with time_machine.travel(MOMENT, tick=False):
        yield


@pytest.fixture(scope="module", autouse=True)
def _demo_for_module(django_db_setup, django_db_blocker):  # type: ignore[no-untyped-def]
    """The demo (data.load) at the module's moment, built once for every test of this module; each test runs in a
    savepoint on top of it (tests/shared_data.py). The tests that need no demo (or must not see one) are in
    test_no_dead_ends_without_demo.py. Passwords hashed fast: no test here logs in with one (verified_client)."""

    def build() -> None:
        with time_machine.travel(MOMENT, tick=False), override_settings(PASSWORD_HASHERS=FAST_PASSWORD_HASHERS):
            data.load()

    with built_once(django_db_blocker, build):
        yield


def _links(html: str, where: str) -> list[str]:
    part = re.search(where, html, re.S)
    assert part is not None, where
    found = [h.replace("&amp;", "&") for h in re.findall(r'href="(/[^"#]*)', part.group(0))]
    return [h for h in found if not h.startswith(("/static/", "/i18n/")) and "uitloggen" not in h]


def _client(user: User) -> Client:
    return verified_client(Client(), user)


def test_every_menu_link_opens_for_every_demo_login() -> None:
    refused = []
    for login in data.LOGINS:
        user = User.objects.get(username=login.username)
        client = _client(user)
        home = client.get("/" if user.is_professional else reverse("portal:home"), follow=True)
        assert home.status_code == 200, login.username
        menu = _links(home.content.decode(), r'<nav aria-label="[^"]*" class="rondom-nav">.*?</nav>')
        for link in menu:
            response = client.get(link)
            if response.status_code != 200 and not (300 <= response.status_code < 400):
                refused.append((login.username, link, response.status_code))
    assert refused == []


def test_every_link_in_the_lists_opens_for_its_reader_and_no_page_names_an_environment_variable() -> None:
    dead, named = [], []
    for username, lists in LISTS.items():
        client = _client(User.objects.get(username=username))
        for name in lists:
            page = client.get(reverse(name))
            assert page.status_code == 200, (username, name)
            html = page.content.decode()
            named += [(username, name, m) for m in ENVIRONMENT_NAME.findall(html)]
            for link in _links(html, r"<main.*?</main>"):
                response = client.get(link)
                if response.status_code != 200 and not (300 <= response.status_code < 400):
                    dead.append((username, name, link, response.status_code))
                elif response.get("Content-Type", "").startswith("text/html"):
                    named += [(username, link, m) for m in ENVIRONMENT_NAME.findall(response.content.decode())]
    assert dead == [] and named == []


def test_the_thuiszitter_overview_is_linked_only_for_whom_it_opens() -> None:
    for login in data.LOGINS:
        user = User.objects.get(username=login.username)
        client = _client(user)
        register = client.get(reverse("thuiszitters:register-list")).content.decode()
        linked = reverse("thuiszitters:overview") in register
        opens = client.get(reverse("thuiszitters:overview")).status_code == 200
        assert linked == opens, login.username


def test_the_demo_research_export_has_its_key_and_offers_the_form() -> None:
    assert settings.RONDOM_RESEARCH_KEY  # the demo sets every key it needs
    page = _client(User.objects.get(username="beleid")).get(reverse("monitoring:research"))
    assert page.status_code == 200
    assert '<form method="post" class="rondom-form"' in page.content.decode()


def test_without_the_key_the_research_export_says_so_in_plain_dutch(settings) -> None:  # type: ignore[no-untyped-def]
    settings.RONDOM_RESEARCH_KEY = ""
    page = _client(User.objects.get(username="beleid")).get(reverse("monitoring:research"))
    html = page.content.decode()
    assert "de sleutel van de gemeente voor pseudoniemen ontbreekt" in html
    assert not ENVIRONMENT_NAME.search(html) and '<form method="post" class="rondom-form"' not in html
