"""Name search (issue 17, docs/search.md): through the text index of each database (pg_trgm on PostgreSQL, FTS5 on
SQLite), accent-, case-, order- and tussenvoegsel-insensitive, every word a word start; only within the scope; any
term safe; one query for the rows of a page; one access-log row per child shown, written in one INSERT.

Run on both databases: `pytest src/rondom/registry/tests/test_search.py` and again with
DATABASE_URL=postgres://... (the same tests; the index and the filter differ per database)."""

from __future__ import annotations

from datetime import date

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from rondom.accounts.models import User
from rondom.audit.models import AccessLogEntry
from rondom.records import selectors, services
from rondom.registry.models import Child
from rondom.registry.names import search_key, search_words
from rondom.retention.services import apply_retention
from rondom.roster.services import apply_roster_as_system
from rondom.roster.types import Roster, RosterGroup, RosterPupil
from tests.factories import ChildFactory, MembershipFactory, SchoolFactory

pytestmark = pytest.mark.django_db


# --- The normaliser ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("given", "family", "key"),
    [
        ("Chloé", "Berg, van der", " chloe berg van der"),
        ("Chloé", "van der Berg", " chloe van der berg"),
        ("Emre", "Öztürk", " emre ozturk"),
        ("JAN-WILLEM", "'t Hart", " jan willem t hart"),
        ("Søren", "Groß", " soren gross"),
        ("Ayşe", "Yılmaz", " ayse yilmaz"),
        ("  Noor ", "  de   Vries  ", " noor de vries"),
        ("Geanonimiseerd", "", " geanonimiseerd"),
        ("", "", ""),
    ],
)
def test_search_key_is_lowercase_plain_words_each_after_one_space(given: str, family: str, key: str) -> None:
    assert search_key(given, family) == key


def test_search_words_keep_only_letters_and_digits() -> None:
    assert search_words('"van" AND der* -Berg NEAR(x) ^a:b') == ["van", "and", "der", "berg", "near", "x", "a", "b"]
    assert search_words("\"'*()-:^") == []


# --- Search semantics ----------------------------------------------------------------------------------------------


@pytest.fixture
def ib() -> User:
    return MembershipFactory(role="intern_begeleider").user


def _school_of(user: User):  # type: ignore[no-untyped-def]
    return user.memberships.get().organisation


def _names(user: User, term: str) -> set[str]:
    return {str(c) for c in selectors.search_children(user, term)}


def test_tussenvoegsel_order_commas_accents_and_case_do_not_matter(ib: User) -> None:
    school = _school_of(ib)
    ChildFactory(given_name="Chloé", family_name="Berg, van der", school=school)
    ChildFactory(given_name="Daan", family_name="van der Berg", school=school)
    ChildFactory(given_name="Emre", family_name="Öztürk", school=school)
    ChildFactory(given_name="Sophie", family_name="Bergman", school=school)
    ChildFactory(given_name="Bram", family_name="Vandenberg", school=school)
    both = {"Chloé Berg, van der", "Daan van der Berg"}
    assert _names(ib, "van der Berg") == both
    assert _names(ib, "Berg, van der") == both
    assert _names(ib, "BERG VAN") == both
    assert _names(ib, "chloe") == {"Chloé Berg, van der"}
    assert _names(ib, "Chloé van der berg") == {"Chloé Berg, van der"}
    assert _names(ib, "Ozturk") == {"Emre Öztürk"}
    assert _names(ib, "öztürk emre") == {"Emre Öztürk"}
    # Every word must start a word of the name: "berg" starts "Berg" and "Bergman", not "Vandenberg".
    assert _names(ib, "berg") == both | {"Sophie Bergman"}
    assert _names(ib, "erg") == set()
    assert _names(ib, "van") == both | {"Bram Vandenberg"}
    assert _names(ib, "van berg daan") == {"Daan van der Berg"}
    assert _names(ib, "chloe daan") == set()  # all words, not any


def test_an_empty_term_or_one_without_words_lists_the_whole_scope(ib: User) -> None:
    school = _school_of(ib)
    ChildFactory.create_batch(3, school=school)
    for term in ("", "   ", '"', "*", "- -"):
        assert len(_names(ib, term)) == 3


@pytest.mark.parametrize(
    "term",
    [
        '"',
        '"van der',
        'van" OR "x',
        "AND",
        "OR",
        "NOT",
        "van AND",
        "NEAR(van berg)",
        "berg*",
        "*",
        "-berg",
        "^berg",
        "search_name:berg",
        "{search_name}: x",
        "van + berg",
        "'); DROP TABLE registry_child; --",
        "%",
        "_",
        "\\",
        "\x00",
        "ë" * 100,
    ],
)
def test_no_term_breaks_the_search(ib: User, term: str) -> None:
    """Quotes, FTS5 operators (AND/OR/NOT/NEAR, *, -, ^, column filters), LIKE wildcards: never an error, and a
    syntax character is just a separator ("berg*" finds Berg, "%" finds everyone, as an empty term)."""
    ChildFactory(given_name="Daan", family_name="van der Berg", school=_school_of(ib))
    found = _names(ib, term)  # evaluates the query
    words = search_words(term)
    name_words = ("daan", "van", "der", "berg")
    matches = all(any(n.startswith(w) for n in name_words) for w in words)
    assert found == ({"Daan van der Berg"} if matches else set())


def test_search_never_widens_the_scope(ib: User) -> None:
    school = _school_of(ib)
    ChildFactory(given_name="Daan", family_name="van der Berg", school=school)
    ChildFactory(given_name="Daan", family_name="van der Berg", school=SchoolFactory())  # another school
    left = ChildFactory(given_name="Daan", family_name="Bergsma", school=school)
    Child.objects.filter(pk=left.pk).update(anonymised_at=left.created_at, search_name="")
    assert [c.school_id for c in selectors.search_children(ib, "daan berg")] == [school.pk]
    assert _names(MembershipFactory(role="intern_begeleider").user, "daan") == set()


# --- Writers keep search_name current ------------------------------------------------------------------------------


def test_save_and_update_child_keep_the_search_name(ib: User) -> None:
    child = ChildFactory(given_name="Chloé", family_name="Jansen", school=_school_of(ib))
    assert Child.objects.get(pk=child.pk).search_name == " chloe jansen"
    child.family_name = "van Dijk"
    child.save(update_fields=["family_name"])
    assert Child.objects.get(pk=child.pk).search_name == " chloe van dijk"
    services.update_child(ib, child, {"family_name": "Öztürk"}, version=child.version)
    assert Child.objects.get(pk=child.pk).search_name == " chloe ozturk"
    assert _names(ib, "ozturk") == {"Chloé Öztürk"}


def test_bulk_writers_keep_the_search_name() -> None:
    school = SchoolFactory()
    made = Child.objects.bulk_create(
        [
            ChildFactory.build(
                given_name="Zoë", family_name="de Wit", school=school, home_municipality=school.municipality
            )
        ]
    )
    child = Child.objects.get(pk=made[0].pk)
    assert child.search_name == " zoe de wit"
    child.given_name = "Noé"
    Child.objects.bulk_update([child], ["given_name"])
    assert Child.objects.get(pk=child.pk).search_name == " noe de wit"
    with pytest.raises(ValueError, match="search_name"):
        Child.objects.filter(pk=child.pk).update(given_name="X")


def test_roster_import_writes_and_changes_the_search_name() -> None:
    school = SchoolFactory(brin="12QQ", vestiging="00")
    ib = MembershipFactory(organisation=school, role="intern_begeleider").user

    def roster(family: str) -> Roster:
        return Roster(
            brin="12QQ",
            vestiging="00",
            school_year="2026-2027",
            groups=[RosterGroup("g7", "7B", "7")],
            pupils=[RosterPupil("p1", "Chloé", family, date(2017, 5, 1), "g7", voorvoegsel="van der")],
        )

    apply_roster_as_system(school, roster("Berg"), today=date(2026, 10, 1))
    assert Child.objects.get().search_name == " chloe van der berg"
    assert _names(ib, "Berg, van der") == {"Chloé van der Berg"}
    apply_roster_as_system(school, roster("Öztürk"), today=date(2026, 10, 2))
    assert Child.objects.get().search_name == " chloe van der ozturk"
    assert _names(ib, "berg") == set()
    assert _names(ib, "ozturk chloe") == {"Chloé van der Öztürk"}


def test_an_anonymised_child_has_no_search_name() -> None:
    child = ChildFactory(given_name="Chloé", family_name="de Vries", left_school_on=date(2000, 7, 1))
    apply_retention(dry_run=False, today=date(2030, 1, 1))
    child.refresh_from_db()
    assert child.anonymised_at is not None and child.search_name == ""
    if connection.vendor == "sqlite":  # the FTS5 index followed the update (its triggers)
        with connection.cursor() as cursor:
            cursor.execute("SELECT rowid FROM registry_child_name_fts WHERE registry_child_name_fts MATCH 'chloe'")
            assert cursor.fetchall() == []


# --- The search page: one query for the rows, one log row per child shown, in one INSERT ----------------------------


def _search_page(client: Client, term: str, page: int = 1) -> list[int]:
    response = client.post("/kinderen/", {"q": term, "page": page})
    assert response.status_code == 200
    return [child.pk for child in response.context["children"]]


def _queries_of_search(login, ib: User, term: str) -> int:  # type: ignore[no-untyped-def]
    client = login(ib)
    client.post("/kinderen/", {"q": term})  # warm: session, roles
    with CaptureQueriesContext(connection) as queries:
        _search_page(client, term)
    return len(queries)


def test_the_search_page_costs_the_same_queries_for_5_or_60_matches(login, ib: User) -> None:  # type: ignore[no-untyped-def]
    school = _school_of(ib)
    ChildFactory.create_batch(5, given_name="Fenna", family_name="Bakker", school=school)
    ChildFactory.create_batch(60, given_name="Isa", family_name="de Boer", school=school)
    few, many = _queries_of_search(login, ib, "fenna bakker"), _queries_of_search(login, ib, "isa boer")
    assert few == many
    # The rows of the page: one SELECT on registry_child holding scope, name match, order and slice.
    client = login(ib)
    with CaptureQueriesContext(connection) as queries:
        _search_page(client, "isa boer")
    rows = [q["sql"] for q in queries if q["sql"].startswith("SELECT") and "LIMIT 25" in q["sql"]]
    assert len(rows) == 1 and "registry_child" in rows[0]
    # The filters' (school, group) pairs: one row per pair, not per child (no name columns in the DISTINCT).
    pairs = [q["sql"] for q in queries if q["sql"].startswith("SELECT DISTINCT")]
    assert len(pairs) == 1 and "family_name" not in pairs[0]


def test_a_page_of_25_writes_25_log_rows_in_one_insert(login, ib: User) -> None:  # type: ignore[no-untyped-def]
    school = _school_of(ib)
    children = ChildFactory.create_batch(40, given_name="Isa", family_name="de Boer", school=school)
    ChildFactory(given_name="Daan", family_name="Jansen", school=school)  # not a match: never logged
    client = login(ib)
    before = AccessLogEntry.objects.count()
    with CaptureQueriesContext(connection) as queries:
        shown = _search_page(client, "boer")
    table = AccessLogEntry._meta.db_table
    inserts = [q["sql"] for q in queries if "INSERT INTO" in q["sql"] and table in q["sql"]]
    # One multi-row INSERT statement for all 25 rows (not executemany, which runs the statement 25 times).
    assert len(shown) == 25 and len(inserts) == 1 and inserts[0].startswith("INSERT")
    assert inserts[0].count("), (") == 24
    rows = AccessLogEntry.objects.order_by("seq")[before:]
    assert sorted(r.child_id for r in rows) == sorted(shown)
    assert {r.action for r in rows} == {"search"} and set(shown) <= {c.pk for c in children}


@pytest.mark.skipif(connection.vendor != "sqlite", reason="the FTS5 triggers are SQLite's")
def test_the_fts_triggers_come_back_after_a_table_rebuild_dropped_them(ib: User) -> None:
    """A later migration that rebuilds registry_child on SQLite drops its triggers; post_migrate restores them
    (registry.name_index.ensure_sqlite_name_index), rebuilding the index from the rows."""
    from rondom.registry.name_index import ensure_sqlite_name_index

    school = _school_of(ib)
    with connection.cursor() as cursor:
        for name in ("ai", "ad", "au"):
            cursor.execute(f"DROP TRIGGER registry_child_name_fts_{name}")
    ChildFactory(given_name="Chloé", family_name="de Vries", school=school)  # not indexed: no trigger
    assert _names(ib, "chloe") == set()
    ensure_sqlite_name_index(connection)
    assert _names(ib, "chloe") == {"Chloé de Vries"}
    ChildFactory(given_name="Chloé", family_name="Bakker", school=school)  # indexed again by the trigger
    assert _names(ib, "chloe bakker") == {"Chloé Bakker"}


def test_a_term_the_form_refuses_shows_and_logs_no_child(login, ib: User) -> None:  # type: ignore[no-untyped-def]
    # A term longer than the field allows is an error to correct, not an empty search: the page must not fall back
    # to the whole scope (every child on page 1 shown and logged as found by a search the user never made).
    school = _school_of(ib)
    ChildFactory.create_batch(3, given_name="Isa", family_name="de Boer", school=school)
    client = login(ib)
    before = AccessLogEntry.objects.count()
    response = client.post("/kinderen/", {"q": "Isa de Boer " * 9})  # 108 characters, over max_length 100
    assert response.status_code == 200 and response.context["form"].errors
    assert list(response.context["children"]) == []
    assert AccessLogEntry.objects.count() == before


def test_an_upsert_of_a_name_keeps_the_search_name() -> None:
    # bulk_create(update_conflicts=True) writes only `update_fields` of a row that exists: a name among them must
    # bring the search name along, or the child is found by the old name and not by the new one.
    school = SchoolFactory()
    child = ChildFactory(given_name="Zoë", family_name="de Wit", school=school)
    renamed = Child.objects.get(pk=child.pk)
    renamed.given_name = "Noé"
    Child.objects.bulk_create([renamed], update_conflicts=True, unique_fields=["id"], update_fields=["given_name"])
    assert Child.objects.get(pk=child.pk).search_name == " noe de wit"
