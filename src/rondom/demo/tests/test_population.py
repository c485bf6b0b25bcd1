"""The synthetic Zwolle: proportions of the sources, valid and unique BSNs, families, deterministic, idempotent."""

from __future__ import annotations

import hashlib

import pytest
from django.db import transaction

from rondom.accounts.models import Organisation
from rondom.demo import data, population
from rondom.registry.bsn import is_valid_bsn
from rondom.registry.models import Child

pytestmark = pytest.mark.django_db
SCALE = 0.02


def fingerprint() -> str:
    rows = Child.objects.order_by("pk").values_list("given_name", "family_name", "date_of_birth", "school__name")
    return hashlib.sha256(repr(list(rows)).encode()).hexdigest()


def test_the_population_follows_the_sources_proportions() -> None:
    report = population.generate(scale=SCALE, progress=False)
    size = population.Scale.of(SCALE)
    assert report.counts["children"] == size.youths
    primary = Child.objects.filter(school__school_type__in=["po", "sbo", "so"]).count()
    secondary = Child.objects.filter(school__school_type__in=["vo", "vso", "pro"]).count()
    assert primary == size.primary and secondary == size.secondary
    assert report.counts["from_surrounding_municipalities"] > 0
    assert Organisation.objects.filter(kind="school", school_type="po").count() >= size.po_schools


def test_every_bsn_passes_the_elfproef_and_is_unique() -> None:
    population.generate(scale=SCALE, progress=False)
    bsns = [c.bsn for c in Child.objects.exclude(bsn_encrypted="")]
    assert bsns and all(is_valid_bsn(b) for b in bsns) and len(set(bsns)) == len(bsns)


def test_every_child_has_a_parent_with_authority_and_siblings_share_them() -> None:
    population.generate(scale=SCALE, progress=False)
    assert not Child.objects.filter(guardianships__isnull=True).exists()
    parent = Child.objects.filter(guardianships__isnull=False).first().guardianships.first().user  # type: ignore[union-attr]
    assert Child.objects.filter(guardianships__user=parent).count() >= 1
    assert any(
        Child.objects.filter(guardianships__user=g.user).count() > 1
        for g in Child.objects.first().guardianships.model.objects.all()[:200]  # type: ignore[union-attr]
    )


def test_the_same_seed_gives_the_same_population_and_a_second_run_writes_nothing() -> None:
    data.load()

    def run(seed: int) -> str:
        with transaction.atomic():
            population.generate(seed=seed, scale=SCALE, progress=False)
            result = fingerprint()
            transaction.set_rollback(True)
        return result

    assert run(1) == run(1) != run(2)
    population.generate(scale=SCALE, progress=False)
    count = Child.objects.count()
    assert population.generate(scale=SCALE, progress=False).counts == {}
    assert Child.objects.count() == count


def test_the_boards_are_members_of_bloz_whose_officer_sees_their_schools_in_the_overview() -> None:
    from rondom.accounts.models import User
    from rondom.thuiszitters import overview

    data.load()
    population.generate(scale=SCALE, progress=False)
    bloz = Organisation.objects.get(name=population.BLOZ)
    assert set(Organisation.objects.filter(name__in=population.BOARDS).values_list("parent", flat=True)) == {bloz.pk}
    scope = overview.scope_for(User.objects.get(username="bloz"))
    assert scope is not None and not scope.municipality_ids
    assert scope.school_ids == set(Organisation.objects.filter(parent__parent=bloz).values_list("pk", flat=True))


def test_municipalities_a_duo_import_made_first_are_found_by_their_cbs_code_not_their_name() -> None:
    from rondom.registry.models import Municipality

    # A DUO import ran before the demo and wrote DUO's spelling (the name is only a label; the code is the identity).
    Municipality.objects.create(cbs_code="GM0193", name="ZWOLLE")
    Municipality.objects.create(cbs_code="GM0166", name="KAMPEN")
    data.load()
    population.generate(scale=SCALE, progress=False)
    assert Municipality.objects.filter(cbs_code="GM0193").count() == 1
    assert Municipality.objects.filter(cbs_code="GM0166").count() == 1
    assert not Municipality.objects.filter(name__in=["Zwolle", "Kampen"]).exists()
