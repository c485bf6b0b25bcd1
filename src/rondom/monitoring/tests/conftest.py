from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _english():  # type: ignore[no-untyped-def]
    """Messages are asserted in English (the msgids); test_translations checks the Dutch catalog."""
    from django.utils.translation import override

    with override("en"):
        yield
