"""Guarding of web views and API endpoints: the small pieces besides rondom.access.declared.

A view that serves a child's data declares its access with `rondom.access.declared.Declaration` (the base
resolves the child, asks the policy and writes the read row). A view that serves no child data declares
`serves_child_data = False` (or `@serves_no_child_data`). tests/test_routes_guarded.py and
tests/test_declared_access.py walk every URL pattern and fail on any route that declares neither.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

V = TypeVar("V", bound=Callable[..., Any])


def serves_no_child_data(view: V) -> V:
    """Mark a function view as serving no child data (login, health, language switch, ...)."""
    view.serves_child_data = False  # type: ignore[attr-defined]
    return view
