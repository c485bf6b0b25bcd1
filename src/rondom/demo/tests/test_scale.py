"""`load_demo --scale N`: Zwolle plus N-1 Zwolle-like towns of one province (issue 17, part 5). The argument is
validated; a small province (tiny towns through --town-size) has the asked multiple, unique BRINs, BSNs and names,
one leerplicht bureau and samenwerkingsverband for all, and an ib'er whose scope stays her school; the same seed
builds the same town."""

from __future__ import annotations

import hashlib
from datetime import date
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import transaction
from django.db.models import Count

from rondom.access.policy import children_in_scope
from rondom.accounts.models import Organisation, User
from rondom.demo import data, population
from rondom.demo.management.commands.load_demo import MAX_SCALE, towns_of
from rondom.registry.models import Child, Municipality

pytestmark = pytest.mark.django_db
TODAY = date(2026, 11, 30)


@pytest.mark.parametrize("value", ["0", "-2", "0.5", "nan", "inf", str(MAX_SCALE + 1), "1000000"])
def test_a_scale_below_one_or_beyond_the_generator_is_refused(value: str) -> None:
    with pytest.raises(CommandError, match="--scale must be a number from 1"):
        call_command("load_demo", "--scale", value, "--today", "2026-11-30", stdout=StringIO())
    assert not Municipality.objects.exists()  # refused before anything is written


@pytest.mark.parametrize("value", ["0", "-0.1", "1.5", "nan"])
def test_a_town_size_outside_zero_to_one_is_refused(value: str) -> None:
    with pytest.raises(CommandError, match="--town-size must be more than 0 and at most 1"):
        call_command("load_demo", "--town-size", value, stdout=StringIO())


def test_a_scale_that_is_no_number_or_comes_with_small_is_refused() -> None:
    with pytest.raises(CommandError, match="invalid float value"):
        call_command("load_demo", "--scale", "tien", stdout=StringIO())
    with pytest.raises(CommandError, match="--small builds only the logins"):
        call_command("load_demo", "--small", "--scale", "2", stdout=StringIO())


def test_the_scale_names_whole_towns_and_a_smaller_last_one() -> None:
    assert towns_of(1) == []
    assert towns_of(2) == [(1, 1.0)]
    assert towns_of(10) == [(n, 1.0) for n in range(1, 10)]
    assert [(n, round(f, 6)) for n, f in towns_of(2.5)] == [(1, 1.0), (2, 0.5)]
    assert towns_of(MAX_SCALE)[-1] == (len(population.TOWN_NAMES), 1.0)
    with pytest.raises(IndexError):
        population.Town.numbered(len(population.TOWN_NAMES) + 1)


def test_a_province_of_two_and_a_half_zwolles_in_miniature() -> None:
    call_command(
        "load_demo", "--scale", "2.5", "--town-size", "0.01", "--today", "2026-11-30", "--no-progress",
        stdout=StringIO(),
    )  # fmt: skip
    towns = [population.Town.numbered(n) for n in (1, 2)]
    homes = {t.number: Municipality.objects.get(cbs_code=t.cbs_code) for t in towns}
    assert [m.name for m in homes.values()] == [population.TOWN_NAMES[0], population.TOWN_NAMES[1]]
    assert not Municipality.objects.filter(cbs_code="GM9003").exists()

    # The multiple: Zwolle at 0.01, town 1 the same, town 2 half of it (every generated child has generated parents).
    def youths(tag: str) -> int:  # parents are named demo-ouder-<tag>-<family>-<parent>
        parents = rf"^demo-ouder-{tag}-[0-9]+-[0-9]+$"
        return Child.objects.filter(guardianships__user__username__regex=parents).distinct().count()

    assert youths("2026") == population.Scale.of(0.01).youths
    assert youths("2026-t1") == population.Scale.of(0.01).youths
    assert youths("2026-t2") == population.Scale.of(0.005).youths

    # Each town has its own schools with their own BRIN prefix; BRINs, names and BSN indexes are unique.
    schools = Organisation.objects.filter(kind="school")
    for town in towns:
        brins = set(schools.filter(municipality=homes[town.number]).values_list("brin", flat=True))
        assert brins and {b[:2] for b in brins} == {str(town.brin_prefix)}
    assert not schools.exclude(brin="").values("brin", "vestiging").annotate(n=Count("pk")).filter(n__gt=1)
    assert not schools.values("name").annotate(n=Count("pk")).filter(n__gt=1)
    assert not Child.objects.exclude(bsn_index="").values("bsn_index").annotate(n=Count("pk")).filter(n__gt=1)
    assert not User.objects.values("username").annotate(n=Count("pk")).filter(n__gt=1)

    # One region: the leerplicht bureau sees the towns' youths, the ib'er only her school; one SWV for all schools.
    swv = Organisation.objects.get(name=population.SWV)
    assert not schools.filter(municipality__in=homes.values()).exclude(samenwerkingsverband=swv).exists()
    in_town = Child.objects.filter(home_municipality__in=homes.values())
    leerplicht = children_in_scope(User.objects.get(username="leerplicht"))
    assert in_town.exists() and not in_town.exclude(pk__in=leerplicht.values("pk")).exists()
    ib = User.objects.get(username="ib")
    assert set(children_in_scope(ib).values_list("school_id", flat=True)) == {ib.roles()[0].organisation_id}

    # Again: nothing new, and the region's served lists (reset by data.load) hold the towns again.
    count = Child.objects.count()
    call_command("load_demo", "--scale", "2.5", "--town-size", "0.01", "--no-progress", stdout=StringIO())
    assert Child.objects.count() == count
    assert set(homes.values()) <= set(Organisation.objects.get(name=population.LEERPLICHT).serves_municipalities.all())


def test_the_same_seed_builds_the_same_town_and_another_seed_or_number_another() -> None:
    data.load(TODAY)

    def build(number: int, seed: int) -> str:
        with transaction.atomic():
            population.generate_town(number, seed=seed, scale=0.01, progress=False, today=TODAY)
            rows = list(
                Child.objects.order_by("pk").values_list(
                    "given_name", "family_name", "date_of_birth", "school__name", "school__brin", "bsn_index"
                )
            )
            transaction.set_rollback(True)
        return hashlib.sha256(repr(rows).encode()).hexdigest()

    first = build(1, 7)
    assert build(1, 7) == first
    assert build(1, 8) != first and build(2, 7) != first
    with pytest.raises(ValueError, match="at most Zwolle's size"):
        population.generate_town(1, scale=1.5, progress=False, today=TODAY)
