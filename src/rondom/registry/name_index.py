"""The text index over `Child.search_name`, per database (docs/search.md), and the one filter that uses it.

- PostgreSQL: the `pg_trgm` extension and a GIN trigram index (`gin_trgm_ops`) on `registry_child.search_name`;
  a word is matched with `search_name LIKE '% word%'`, which that index serves.
- SQLite: an FTS5 table with external content (`registry_child_name_fts`, tokenizer `unicode61 remove_diacritics
  2`) over `search_name`, kept in step by three triggers on `registry_child`; a term is matched with
  `id IN (SELECT rowid FROM registry_child_name_fts WHERE registry_child_name_fts MATCH '"w1"* AND "w2"*')`.

The words come from `registry.names.search_words`: letters and digits only, so neither a LIKE pattern nor an FTS5
query can hold anything but literal word starts, whatever the user typed (quotes, AND/OR/NEAR, `*`, `-`, `^`, `:`).

SQLite drops a table's triggers when Django rebuilds the table (an AlterField or AddField of a later migration on
registry_child); `ensure_sqlite_name_index` runs after every migrate (apps.RegistryConfig) and puts them back,
rebuilding the FTS table when any was missing.
"""

# The SQL below is built from this module's constant names only; user input travels as parameters.
# ruff: noqa: S608
from __future__ import annotations

from typing import Any

from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Q, QuerySet
from django.db.models.expressions import RawSQL

from .names import search_words

FTS_TABLE = "registry_child_name_fts"
TRGM_INDEX = "registry_child_search_trgm"

_SQLITE_TRIGGERS = {
    f"{FTS_TABLE}_ai": f"""CREATE TRIGGER IF NOT EXISTS {FTS_TABLE}_ai AFTER INSERT ON registry_child BEGIN
  INSERT INTO {FTS_TABLE}(rowid, search_name) VALUES (new.id, new.search_name);
END""",
    f"{FTS_TABLE}_ad": f"""CREATE TRIGGER IF NOT EXISTS {FTS_TABLE}_ad AFTER DELETE ON registry_child BEGIN
  INSERT INTO {FTS_TABLE}({FTS_TABLE}, rowid, search_name) VALUES ('delete', old.id, old.search_name);
END""",
    f"{FTS_TABLE}_au": f"""CREATE TRIGGER IF NOT EXISTS {FTS_TABLE}_au AFTER UPDATE OF id, search_name ON registry_child
BEGIN
  INSERT INTO {FTS_TABLE}({FTS_TABLE}, rowid, search_name) VALUES ('delete', old.id, old.search_name);
  INSERT INTO {FTS_TABLE}(rowid, search_name) VALUES (new.id, new.search_name);
END""",
}


def ensure_sqlite_name_index(connection: BaseDatabaseWrapper) -> None:
    """Create the FTS5 table and its triggers on a SQLite database when missing, and rebuild the table's index
    from `registry_child` when the table or any trigger was missing (so it matches the rows again). Idempotent;
    does nothing on another database, or before registry_child (with its search_name column) exists."""
    if connection.vendor != "sqlite":
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT name FROM sqlite_master WHERE type IN ('table', 'trigger')")
        present = {row[0] for row in cursor.fetchall()}
        if "registry_child" not in present:
            return
        cursor.execute("SELECT name FROM pragma_table_info('registry_child')")
        if "search_name" not in {row[0] for row in cursor.fetchall()}:  # migrated back before 0006
            return
        missing = FTS_TABLE not in present or any(name not in present for name in _SQLITE_TRIGGERS)
        if not missing:
            return
        cursor.execute(
            f"CREATE VIRTUAL TABLE IF NOT EXISTS {FTS_TABLE} USING fts5(search_name, content='registry_child', "
            "content_rowid='id', tokenize='unicode61 remove_diacritics 2')"
        )
        for sql in _SQLITE_TRIGGERS.values():
            cursor.execute(sql)
        cursor.execute(f"INSERT INTO {FTS_TABLE}({FTS_TABLE}) VALUES ('rebuild')")


def drop_sqlite_name_index(connection: BaseDatabaseWrapper) -> None:
    """The reverse of `ensure_sqlite_name_index` (a migration rolled back)."""
    if connection.vendor != "sqlite":
        return
    with connection.cursor() as cursor:
        for name in _SQLITE_TRIGGERS:
            cursor.execute(f"DROP TRIGGER IF EXISTS {name}")
        cursor.execute(f"DROP TABLE IF EXISTS {FTS_TABLE}")


def fts_query(words: list[str]) -> str:
    """The FTS5 MATCH expression for `words` (from `search_words`: letters and digits only): every word as a quoted
    prefix, all required: '"van"* AND "berg"*'. Quoting makes AND/OR/NOT/NEAR plain words."""
    return " AND ".join(f'"{w}"*' for w in words)


def matching_name(children: QuerySet[Any], term: str, vendor: str) -> QuerySet[Any]:
    """`children` narrowed to those whose name has, for every word of `term`, a word that starts with it (in any
    order; accents, case and punctuation ignored: registry.names). A term without words leaves `children` as they
    are. `vendor`: the database's (`connection.vendor`). One filter in the same query; raises nothing for any
    term."""
    words = search_words(term)
    if not words:
        return children
    if vendor == "sqlite":
        ids = RawSQL(f"SELECT rowid FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH %s", [fts_query(words)])  # noqa: S611
        return children.filter(pk__in=ids)
    condition = Q()
    for word in words:
        condition &= Q(search_name__contains=f" {word}")
    return children.filter(condition)
