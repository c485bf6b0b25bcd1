"""Writing and checking the access log. Callers write log rows inside the transaction of the change they
record, so a change without its log row (or a log row without its change) cannot be committed."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db import connection, transaction
from django.utils import timezone

from rondom.core.access_types import Decision

from .models import (
    ADMINISTRATION_CHAIN_HEAD,
    GENESIS_HASH,
    HASHED_FIELDS,
    AccessLogEntry,
    AdministrationLogEntry,
    ChainHead,
)

if TYPE_CHECKING:  # types only: accounts records administration in this log, so audit never imports it at run time
    from rondom.accounts.models import User

HEAD_TABLE = ChainHead._meta.db_table
_COLUMNS = [*HASHED_FIELDS, "row_hash"]
INSERT_SQL = "INSERT INTO {} ({}) VALUES ".format(  # noqa: S608 - names come from the model, not from input
    AccessLogEntry._meta.db_table,
    ", ".join(AccessLogEntry._meta.get_field(name).column for name in _COLUMNS),  # type: ignore[union-attr,misc]
)
_ROW_SQL = "(" + ", ".join(["%s"] * len(_COLUMNS)) + ")"
#: Rows per INSERT statement: a request's rows (a page of search results, a record's parts) go in one statement;
#: a bulk write (an import's pupils) in statements of this many rows, within the database's bound-parameter limit.
ROWS_PER_INSERT = 1000


def _max_params() -> int | None:
    """The bound parameters one statement may hold: 65,535 on PostgreSQL (its protocol's bound); on
    SQLite the limit it was compiled with (32,766 since 3.32; Django assumes the old 999)."""
    if connection.vendor != "sqlite":
        return 65535
    raw = connection.connection
    getlimit = getattr(raw, "getlimit", None)  # Python 3.11+
    return int(getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER)) if getlimit else connection.features.max_query_params


def _insert(cursor: Any, rows: Sequence[AccessLogEntry]) -> None:
    """Write `rows` with one multi-row ``INSERT ... VALUES (...), (...)`` per `ROWS_PER_INSERT` rows."""
    limit = _max_params()
    per = min(ROWS_PER_INSERT, limit // len(_COLUMNS)) if limit else ROWS_PER_INSERT
    for start in range(0, len(rows), per):
        chunk = rows[start : start + per]
        cursor.execute(
            INSERT_SQL + ", ".join([_ROW_SQL] * len(chunk)), [value for row in chunk for value in _params(row)]
        )


def _params(row: AccessLogEntry) -> list[Any]:
    values: list[Any] = [getattr(row, name) for name in _COLUMNS]
    values[_COLUMNS.index("occurred_at")] = connection.ops.adapt_datetimefield_value(row.occurred_at)
    return values


@dataclass(frozen=True)
class LogItem:
    """What to log about one child: which object of which category."""

    child_id: int
    object_type: str = ""
    object_id: str = ""


def record(
    user: User | None,
    decision: Decision,
    child_id: int,
    *,
    object_type: str = "",
    object_id: object = "",
    reason: str = "",
    on_behalf_of: User | None = None,
) -> AccessLogEntry:
    """Append one row for an access that `decision` allowed."""
    return record_many(
        user, decision, [LogItem(child_id, object_type, str(object_id or ""))], reason=reason, on_behalf_of=on_behalf_of
    )[0]


def record_many(
    user: User | None,
    decision: Decision,
    items: Sequence[LogItem],
    *,
    reason: str = "",
    on_behalf_of: User | None = None,
    decisions: Sequence[Decision] | None = None,
) -> list[AccessLogEntry]:
    """Append one row per item (e.g. every child shown in a search result), in one transaction.

    `decisions`, when given, holds one decision per item (the ground may differ per child)."""
    if not items:
        return []
    now = timezone.now()
    with transaction.atomic(), connection.cursor() as cursor:
        # The log write is on every request's path: plain SQL here costs a tenth of the ORM (bench/).
        lock = " FOR UPDATE" if connection.features.has_select_for_update else ""
        cursor.execute(f"SELECT seq, last_hash FROM {HEAD_TABLE} WHERE id = 1{lock}")  # noqa: S608
        head = cursor.fetchone()
        if head is None:  # a database emptied by hand; the migration creates the head
            ChainHead.objects.create(pk=1)
            head = (0, GENESIS_HASH)
        seq, prev = head
        rows = []
        for index, item in enumerate(items):
            d = decisions[index] if decisions is not None else decision
            basis = d.basis
            membership = basis.membership if basis else None
            seq += 1
            row = AccessLogEntry(
                seq=seq,
                occurred_at=now,
                user_id=user.pk if user else None,
                user_name=user.display_name if user else "systeem",
                organisation_id=membership.organisation_id if membership else None,
                organisation_name=membership.organisation.name if membership else "",
                role=membership.role if membership else (basis.ground if basis else ""),
                on_behalf_of_id=on_behalf_of.pk if on_behalf_of else None,
                child_id=item.child_id,
                category=d.category,
                object_type=item.object_type,
                object_id=item.object_id,
                action=d.action,
                ground=d.ground or "",
                ground_ref=d.ground_ref,
                consent_id=basis.consent_id if basis else None,
                emergency=d.emergency,
                reason=reason,
                prev_hash=prev,
            )
            row.row_hash = row.compute_hash()
            prev = row.row_hash
            rows.append(row)
        _insert(cursor, rows)
        cursor.execute(f"UPDATE {HEAD_TABLE} SET seq = %s, last_hash = %s WHERE id = 1", [seq, prev])  # noqa: S608
    return rows


#: The child number on a row about figures over many children (no child named): no child has number 0, so such a
#: row never appears on a family's "Wie keek in het dossier"; the privacy officer's view per employee shows it.
AGGREGATE_CHILD_ID = 0


@dataclass(frozen=True)
class ChainReport:
    checked: int
    broken_at: int | None = None
    problem: str = ""

    @property
    def ok(self) -> bool:
        return self.broken_at is None


def _walk_chain(rows: Iterable[Any], head_pk: int) -> ChainReport:
    """Walk hash-chained rows (with `seq`, `prev_hash`, `row_hash`, `compute_hash()`) in order and report the first
    whose number, link or content does not match, or rows removed at the end (the chain head `head_pk` is further).
    Shared by the access log (head 1) and the administration log (its own head)."""
    prev, expected_seq, checked = GENESIS_HASH, 1, 0
    for row in rows:
        if row.seq != expected_seq:
            return ChainReport(checked, expected_seq, f"row {expected_seq} is missing (the next row is {row.seq})")
        if row.prev_hash != prev:
            return ChainReport(checked, row.seq, "the link to the previous row does not match")
        if row.compute_hash() != row.row_hash:
            return ChainReport(checked, row.seq, "the row's content was changed after it was written")
        prev, expected_seq, checked = row.row_hash, expected_seq + 1, checked + 1
    head = ChainHead.objects.filter(pk=head_pk).first()
    if head is not None and (head.seq != checked or head.last_hash != prev):
        return ChainReport(checked, checked + 1, f"rows after {checked} were removed (the chain head is at {head.seq})")
    return ChainReport(checked)


def verify_chain(rows: Iterable[AccessLogEntry] | None = None) -> ChainReport:
    """Walk the log in order and report the first row whose link or content does not match."""
    if rows is None:
        rows = AccessLogEntry.objects.order_by("seq").iterator(chunk_size=2000)
    return _walk_chain(rows, 1)


def record_administration(
    actor: User | None,
    action: str,
    *,
    standing: str,
    organisation: Any = None,
    subject: User | None = None,
    role: str = "",
    membership_id: int | None = None,
    detail: dict[str, Any] | None = None,
) -> AdministrationLogEntry:
    """Append one row to the administration log (who changed which role or organisation, when), linked into its
    hash chain. Call it inside the transaction of the change, so the change and its row commit or fail together.
    `organisation` is an accounts.Organisation; `detail` holds JSON-safe values only (dates as ISO strings, ids)."""
    with transaction.atomic():
        head = ChainHead.objects.select_for_update().filter(pk=ADMINISTRATION_CHAIN_HEAD).first()
        if head is None:
            head = ChainHead.objects.create(pk=ADMINISTRATION_CHAIN_HEAD)
        row = AdministrationLogEntry(
            seq=head.seq + 1,
            occurred_at=timezone.now(),
            actor_id=actor.pk if actor else None,
            actor_name=actor.display_name if actor else "systeem",
            actor_standing=standing,
            action=action,
            organisation_id=organisation.pk if organisation is not None else None,
            organisation_name=organisation.name if organisation is not None else "",
            organisation_kind=organisation.kind if organisation is not None else "",
            municipality_id=organisation.municipality_id if organisation is not None else None,
            subject_user_id=subject.pk if subject else None,
            subject_user_name=subject.display_name if subject else "",
            role=role,
            membership_id=membership_id,
            detail=json.loads(json.dumps(detail or {}, default=str)),
            prev_hash=head.last_hash,
        )
        row.row_hash = row.compute_hash()
        row.save(force_insert=True)
        ChainHead.objects.filter(pk=ADMINISTRATION_CHAIN_HEAD).update(seq=row.seq, last_hash=row.row_hash)
    return row


def verify_administration_chain() -> ChainReport:
    """Walk the administration log in order and report the first row whose number, link or content does not
    match, or rows removed at the end (the chain head is further). The same checks as `verify_chain`."""
    rows = AdministrationLogEntry.objects.order_by("seq").iterator(chunk_size=2000)
    return _walk_chain(rows, ADMINISTRATION_CHAIN_HEAD)
