"""A BSN holds the ASCII digits 0-9 only: other Unicode digits are refused with the field named (never a 500), and
safe separators are normalised so that one BSN written two ways is never two children."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from rondom.access.models import EmergencyAccess
from rondom.accounts.models import Organisation
from rondom.registry.bsn import blind_index, bsn_error, is_valid_bsn, normalise_bsn
from rondom.registry.models import Child
from tests.factories import ChildFactory, MembershipFactory, MunicipalityFactory, OrganisationFactory

pytestmark = pytest.mark.django_db
DATA = Path(__file__).parent / "data"
REALWORLD_10 = json.loads((DATA / "10-bsn-non-ascii-digit.json").read_text(encoding="utf-8"))
REASON = "Melding van mishandeling, kind is niet op school en niet bereikbaar."
VALID = "111222333"

#: 111222333 (which passes the elfproef) with digits from other scripts; str.isdigit() is True for every one.
OTHER_DIGITS = {
    "superscript": "11122233\u00b3",
    "arabic-indic": "\u0661\u0661\u0661\u0662\u0662\u0662\u0663\u0663\u0663",
    "extended arabic-indic (persian)": "\u06f1\u06f1\u06f1\u06f2\u06f2\u06f2\u06f3\u06f3\u06f3",
    "fullwidth": "\uff11\uff11\uff11\uff12\uff12\uff12\uff13\uff13\uff13",
    "devanagari": "\u0967\u0967\u0967\u0968\u0968\u0968\u0969\u0969\u0969",
    "one fullwidth digit among ascii": "11122233\uff13",
}


@pytest.fixture
def ib_client(login):  # type: ignore[no-untyped-def]
    membership = MembershipFactory(role="intern_begeleider")
    return login(membership.user), membership.organisation


def new_child(school: Organisation, bsn: str) -> dict[str, object]:
    return {
        "given_name": "Sara",
        "family_name": "de Wit",
        "date_of_birth": "2016-03-14",
        "school": school.pk,
        "home_municipality": MunicipalityFactory().pk,
        "group": "4",
        "bsn": bsn,
    }


def test_the_realworld_file_holds_a_bsn_that_isdigit_accepts() -> None:
    bsns = [case["bsn"] for case in REALWORLD_10["cases"]]
    assert bsns == ["11122233\u00b3"] and bsns[0].isdigit()  # the trap: Python calls "³" a digit


@pytest.mark.parametrize("case", REALWORLD_10["cases"], ids=lambda c: c["note"])
def test_realworld_10_the_api_answers_400_naming_the_bsn(ib_client, case) -> None:  # type: ignore[no-untyped-def]
    client, school = ib_client

    response = client.post("/api/children/", new_child(school, case["bsn"]), content_type="application/json")

    assert response.status_code == 400
    assert list(response.json()) == ["bsn"]
    assert "0-9" in " ".join(response.json()["bsn"])
    assert not Child.objects.exists()


@pytest.mark.parametrize("case", REALWORLD_10["cases"], ids=lambda c: c["note"])
def test_realworld_10_the_emergency_form_shows_an_error_on_the_bsn(login, case) -> None:  # type: ignore[no-untyped-def]
    worker = MembershipFactory(organisation=OrganisationFactory(kind="wijkteam"), role="wijkteam_worker")

    response = login(worker.user).post("/kinderen/noodtoegang/", {"bsn": case["bsn"], "reason": REASON})

    assert response.status_code == 400
    assert "0-9" in " ".join(response.context["form"].errors["bsn"])
    assert not EmergencyAccess.objects.exists()


@pytest.mark.parametrize("bsn", OTHER_DIGITS.values(), ids=OTHER_DIGITS.keys())
def test_digits_of_other_scripts_are_not_a_bsn_anywhere(ib_client, login, bsn) -> None:  # type: ignore[no-untyped-def]
    assert bsn.isdigit() or any(ch.isdigit() for ch in bsn)
    assert not is_valid_bsn(bsn)
    assert "0-9" in str(bsn_error(bsn))
    client, school = ib_client
    api = client.post("/api/children/", new_child(school, bsn), content_type="application/json")
    assert api.status_code == 400 and "bsn" in api.json()
    worker = MembershipFactory(organisation=OrganisationFactory(kind="wijkteam"), role="wijkteam_worker")
    page = login(worker.user).post("/kinderen/noodtoegang/", {"bsn": bsn, "reason": REASON})
    assert page.status_code == 400 and "bsn" in page.context["form"].errors
    assert not Child.objects.exists() and not EmergencyAccess.objects.exists()


def test_an_elfproef_failure_keeps_its_own_message() -> None:
    assert "elfproef" in str(bsn_error("111222334"))
    assert "elfproef" in str(bsn_error("12345"))


@pytest.mark.parametrize(
    "written",
    ["111 222 333", "111.222.333", "111-222-333", "111\u00a0222\u00a0333", " 111222333 "],
    ids=["spaces", "dots", "hyphens", "no-break spaces", "around"],
)
def test_safe_separators_are_normalised_and_find_the_same_child(written: str) -> None:
    assert normalise_bsn(written) == VALID
    assert is_valid_bsn(written)
    assert blind_index(written) == blind_index(VALID)


def test_a_dropped_leading_zero_is_put_back_for_ascii_digits_only() -> None:
    assert normalise_bsn("12345672") == "012345672"
    assert normalise_bsn("1234567\u0662") == "1234567\u0662"  # not padded, so it is refused as not 0-9


def test_the_same_bsn_written_differently_is_never_a_second_child(ib_client) -> None:  # type: ignore[no-untyped-def]
    client, school = ib_client
    first = client.post("/api/children/", new_child(school, VALID), content_type="application/json")
    assert first.status_code == 201

    again = client.post("/api/children/", new_child(school, "111.222.333"), content_type="application/json")

    assert again.status_code == 400 and "bsn" in again.json()
    assert Child.objects.count() == 1


def test_the_emergency_form_finds_a_child_by_its_bsn_written_with_spaces(login) -> None:  # type: ignore[no-untyped-def]
    child = ChildFactory()
    child.set_bsn(VALID)
    child.save()
    worker = MembershipFactory(organisation=OrganisationFactory(kind="wijkteam"), role="wijkteam_worker")

    response = login(worker.user).post("/kinderen/noodtoegang/", {"bsn": "111 222 333", "reason": REASON})

    assert response.status_code == 302 and response["Location"] == f"/kinderen/{child.pk}/"
