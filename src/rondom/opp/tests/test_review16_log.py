"""Review of issue 16: a page that answers 404 logs no read of the child's record."""

from __future__ import annotations

import pytest

from rondom.audit.models import AccessLogEntry
from rondom.opp.tests.test_instemming_pages import _client, _item

pytestmark = pytest.mark.django_db


def test_minutes_the_parents_were_not_invited_to_are_not_found_and_not_logged_as_read(world) -> None:  # type: ignore[no-untyped-def]
    item = _item(world, parents_invited=False)
    url = f"/portaal/kind/{world['child'].pk}/notulen/{item.pk}/"
    client = _client(world["mother"].user)
    assert client.get(url).status_code == 404
    assert client.post(url, {"answer": "yes", "shown_hash": "x"}).status_code == 404
    assert not AccessLogEntry.objects.filter(object_type="portal_minutes").exists()
