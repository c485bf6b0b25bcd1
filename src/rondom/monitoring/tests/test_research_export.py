"""The research export: stable keyed pseudonyms, unlinkable without the key, small cells suppressed, only children
with research consent or a documented legal basis, every export logged, no export without ground."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from rondom.audit.models import AccessLogEntry
from rondom.core.schoolyear import SchoolYear
from rondom.monitoring.research import SUPPRESSED, export, pseudonym
from rondom.registry.models import Wijk
from tests.factories import (
    ChildFactory,
    MembershipFactory,
    MunicipalityFactory,
    OrganisationFactory,
    SchoolFactory,
    born_years_ago,
    consent_for,
)

pytestmark = pytest.mark.django_db
YEAR = SchoolYear.parse("2025-2026")
KEY = "sleutel-van-de-gemeente"


@pytest.fixture
def world():  # type: ignore[no-untyped-def]
    zwolle = MunicipalityFactory()
    school = SchoolFactory(school_type="po", municipality=zwolle)
    noord, zuid = (Wijk.objects.create(municipality=zwolle, name=n) for n in ("Noord", "Zuid"))
    big = [ChildFactory(school=school, wijk=noord, date_of_birth=born_years_ago(8)) for _ in range(12)]
    small = [ChildFactory(school=school, wijk=zuid, date_of_birth=born_years_ago(8)) for _ in range(3)]
    knowledge = OrganisationFactory(kind="knowledge", name="Windesheim")
    for child in big + small[:2]:
        consent_for(child, "research", knowledge, ["support"])
    officer = MembershipFactory(
        organisation=OrganisationFactory(kind="municipality", municipality=zwolle), role="policy_officer"
    ).user
    return {"school": school, "big": big, "small": small, "officer": officer}


def test_pseudonyms_are_stable_with_the_key_and_unlinkable_without_it(world) -> None:  # type: ignore[no-untyped-def]
    child = world["big"][0]
    assert pseudonym(child.pk, KEY) == pseudonym(child.pk, KEY)
    assert pseudonym(child.pk, KEY) != pseudonym(child.pk, "een-andere-sleutel")
    first = export(world["officer"], [world["school"].pk], YEAR, key=KEY)
    second = export(world["officer"], [world["school"].pk], YEAR, key=KEY)
    other = export(world["officer"], [world["school"].pk], YEAR, key="een-andere-sleutel")
    names = {r["pseudoniem"] for r in first.rows}
    assert names == {r["pseudoniem"] for r in second.rows}
    assert names.isdisjoint({r["pseudoniem"] for r in other.rows})
    text = str(first.rows)
    for child in world["big"]:
        assert child.given_name not in text and f"'{child.pk}'" not in text


def test_only_consented_children_unless_a_legal_basis_is_documented(world, settings) -> None:  # type: ignore[no-untyped-def]
    settings.RESEARCH_LEGAL_BASES = ["Wettelijke onderzoekstaak, besluit college 2026-14"]
    consented = export(world["officer"], [world["school"].pk], YEAR, key=KEY)
    assert len(consented.rows) == 14 and consented.ground == "consent"  # 12 + 2 with research consent
    legal = export(
        world["officer"],
        [world["school"].pk],
        YEAR,
        key=KEY,
        legal_basis="Wettelijke onderzoekstaak, besluit college 2026-14",
    )
    assert len(legal.rows) == 15 and legal.ground == "legal_basis"


def test_small_cells_are_suppressed(world) -> None:  # type: ignore[no-untyped-def]
    result = export(world["officer"], [world["school"].pk], YEAR, key=KEY)
    zuid = [r for r in result.rows if r["wijk"] == SUPPRESSED]
    assert result.suppressed_rows == 2 and len(zuid) == 2
    assert all(r["leeftijdsgroep"] == SUPPRESSED and r["schoolsoort"] == SUPPRESSED for r in zuid)
    assert {r["wijk"] for r in result.rows} == {"Noord", SUPPRESSED}
    loose = export(world["officer"], [world["school"].pk], YEAR, key=KEY, min_cell=2)
    assert loose.suppressed_rows == 0


def test_every_export_is_logged_per_child(world) -> None:  # type: ignore[no-untyped-def]
    export(world["officer"], [world["school"].pk], YEAR, key=KEY)
    rows = AccessLogEntry.objects.filter(object_type="research_export")
    assert rows.count() == 14 and {r.action for r in rows} == {"export"}
    assert {r.ground for r in rows} == {"research"} and all(r.consent_id for r in rows)


def test_an_export_without_ground_is_refused_and_changes_nothing(world, settings) -> None:  # type: ignore[no-untyped-def]
    empty_school = SchoolFactory()
    ChildFactory(school=empty_school)
    with pytest.raises(ValidationError) as error:
        export(world["officer"], [empty_school.pk], YEAR, key=KEY)
    assert "no research consent" in str(error.value)
    for outsider in (
        MembershipFactory(role="intern_begeleider").user,
        MembershipFactory(organisation=OrganisationFactory(kind="knowledge"), role="policy_officer").user,
    ):
        with pytest.raises(PermissionDenied):
            export(outsider, [world["school"].pk], YEAR, key=KEY)
    settings.RONDOM_RESEARCH_KEY = ""  # no key configured (the local demo has one by default)
    with pytest.raises(ValidationError):
        export(world["officer"], [world["school"].pk], YEAR, key="")
    assert not AccessLogEntry.objects.filter(object_type="research_export").exists()


def test_a_legal_basis_the_municipality_did_not_document_is_refused_and_nothing_is_exported(  # type: ignore[no-untyped-def]
    world, settings
) -> None:
    settings.RESEARCH_LEGAL_BASES = ["Wettelijke onderzoekstaak, besluit college 2026-14"]
    before = AccessLogEntry.objects.count()
    with pytest.raises(ValidationError) as refused:
        export(world["officer"], [world["school"].pk], YEAR, key=KEY, legal_basis="Wet op het onderzoek X")
    assert list(refused.value.message_dict) == ["legal_basis"]
    assert AccessLogEntry.objects.count() == before


def test_the_page_offers_only_the_documented_legal_bases(world, settings, login) -> None:  # type: ignore[no-untyped-def]
    settings.RONDOM_RESEARCH_KEY = KEY
    settings.RESEARCH_LEGAL_BASES = ["Wettelijke onderzoekstaak, besluit college 2026-14"]
    client = login(world["officer"])
    page = client.get("/monitoring/onderzoek/").content.decode()
    assert "Wettelijke onderzoekstaak, besluit college 2026-14" in page and '<select name="legal_basis"' in page
    typed = client.post("/monitoring/onderzoek/", {"pilot": "city", "year": str(YEAR), "legal_basis": "Wet X"})
    assert typed.status_code == 400 and "text/csv" not in typed["Content-Type"]
