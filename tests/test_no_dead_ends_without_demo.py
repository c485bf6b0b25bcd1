"""Pages that never dead-end (issue 11 point 10), the parts that need no demo: the menu asks the page's own task
right, and no template, message or default names an environment variable. The walks through the demo as every demo
login are in test_no_dead_ends.py (one demo built per module there)."""

from __future__ import annotations

import os
import re
import subprocess
import sys

import pytest
from django.urls import reverse

from tests.test_no_dead_ends import ENVIRONMENT_NAME, ROOT, SRC, _client, _links

pytestmark = pytest.mark.django_db


def _settings_with(**environment: str) -> str:
    env = {k: v for k, v in os.environ.items() if not k.startswith("RONDOM_")}
    env.update(environment)
    code = "import rondom.config.settings as s; print(repr(s.RONDOM_RESEARCH_KEY))"
    found = subprocess.run([sys.executable, "-c", code], env=env, cwd=ROOT, capture_output=True, text=True, check=True)
    return found.stdout.strip()


def test_the_demo_research_key_is_never_a_default_outside_the_local_demo() -> None:
    path = {"PYTHONPATH": f"{ROOT / 'src'}{os.pathsep}{ROOT}"}
    assert _settings_with(**path) != "''"  # make run: not secure, localhost only
    keys = {"RONDOM_SECRET_KEY": "x" * 50, "RONDOM_FIELD_KEYS": "ZGVtby1vbmx5LWZpZWxkLWtleS1yb25kb20tMDAwMDE="}
    assert _settings_with(**path, **keys, RONDOM_SECURE="1") == "''"
    assert _settings_with(**path, **keys, RONDOM_ALLOWED_HOSTS="rondom.zwolle.nl") == "''"
    assert _settings_with(**path, **keys, RONDOM_SECURE="1", RONDOM_RESEARCH_KEY="k") == "'k'"


def test_no_template_or_user_facing_message_names_an_environment_variable() -> None:
    found = []
    for path in SRC.rglob("*.html"):
        found += [(str(path.relative_to(SRC)), m) for m in ENVIRONMENT_NAME.findall(path.read_text())]
    message = re.compile(r"""\b(?:_|gettext|gettext_lazy|ngettext)\(\s*((?:"[^"]*"\s*)+)""")
    for path in SRC.rglob("*.py"):
        if "tests" in path.parts or "migrations" in path.parts:
            continue
        for literal in message.findall(path.read_text()):
            found += [(str(path.relative_to(SRC)), m) for m in ENVIRONMENT_NAME.findall(literal)]
    assert found == []


def test_the_menu_asks_the_pages_own_task_right_not_the_role_name() -> None:
    """A policy officer of a knowledge institution holds the role but no monitoring scope; a wijkteam worker of a
    team that serves no municipality has no werkplan: neither gets a link to a page that would answer 403."""
    from tests.factories import MembershipFactory, OrganisationFactory

    researcher = MembershipFactory(organisation=OrganisationFactory(kind="knowledge"), role="policy_officer").user
    team = MembershipFactory(organisation=OrganisationFactory(kind="wijkteam"), role="wijkteam_worker").user
    for user, page in ((researcher, "monitoring:dashboard"), (team, "funding:werkplans")):
        client = _client(user)
        menu = _links(
            client.get("/", follow=True).content.decode(), r'<nav aria-label="[^"]*" class="rondom-nav">.*?</nav>'
        )
        assert reverse(page) not in menu
        assert client.get(reverse(page)).status_code == 403
