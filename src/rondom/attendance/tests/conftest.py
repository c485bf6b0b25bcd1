from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from rondom.accounts.models import Organisation, User
from rondom.attendance.models import ColumnMapping
from tests.factories import MembershipFactory, SchoolFactory


@pytest.fixture
def school() -> Organisation:
    return SchoolFactory(name="De Esch")


@pytest.fixture
def admin(school: Organisation) -> User:
    return MembershipFactory(organisation=school, role="functional_admin").user


@pytest.fixture
def mapping(school: Organisation) -> ColumnMapping:
    return ColumnMapping.objects.create(
        owner=school,
        name="ParnasSys",
        school_system="ParnasSys",
        bsn_column="BSN",
        date_column="Datum",
        kind_column="Soort",
        hours_column="Uren",
        lesson_hour_column="Lesuur",
        kind_codes={"O": "unauthorised", "G": "authorised", "Z": "sick", "L": "late", "V": "exemption"},
    )


@pytest.fixture
def write_csv(tmp_path: Path):  # type: ignore[no-untyped-def]
    def _write(rows: list[list[Any]], name: str = "verzuim.csv") -> Path:
        path = tmp_path / name
        lines = ["BSN;Datum;Soort;Uren;Lesuur"] + [";".join(str(c) for c in row) for row in rows]
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        return path

    return _write


@pytest.fixture(autouse=True)
def _english():  # type: ignore[no-untyped-def]
    """Messages are asserted in English (the msgids); test_translations checks the Dutch catalog."""
    from django.utils.translation import override

    with override("en"):
        yield


@pytest.fixture
def login(client):  # type: ignore[no-untyped-def]
    """The root `login`, with pages in English (the language cookie), so tests read the msgids."""
    from django.conf import settings

    from tests.conftest_helpers import verified_client

    def _login(user: User, *, verified: bool = True):  # type: ignore[no-untyped-def]
        logged_in = verified_client(client, user, verified=verified)
        logged_in.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
        return logged_in

    return _login
