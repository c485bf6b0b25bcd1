from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _english():  # type: ignore[no-untyped-def]
    """Messages are asserted in English (the msgids); test_translations checks the Dutch catalog."""
    from django.utils.translation import override

    with override("en"):
        yield


@pytest.fixture(autouse=True)
def _english_pages(client):  # type: ignore[no-untyped-def]
    """Pages are asserted in English too (a test that reads Dutch sets its own cookie)."""
    from django.conf import settings

    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
