"""Reading an absence export (CSV or XLSX) into AbsenceRecord rows: streaming, all-or-nothing, idempotent.

One pass over the file: every row is checked (pupil of this school, date not in the future, known kind, hours,
lesson hour, no second row for the same pupil, day and hour) and written with an upsert keyed on (pupil, date,
lesson hour) that leaves equal rows alone, so importing the same file again changes nothing. A file with any bad
row is refused whole: the transaction rolls back and the report lists row, column and reason (never the value).
Memory stays flat: rows are written in batches and the duplicate check keeps one 16-bit mask per pupil and day of
the year, not the rows themselves.
"""

from __future__ import annotations

from array import array
from collections.abc import Callable, Generator, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from rondom import progress as shared_progress
from rondom import rollups, spreadsheets
from rondom.access import log, policy
from rondom.accounts.models import User
from rondom.core.categories import Action, DataCategory
from rondom.registry.bsn import blind_index, normalise_bsn
from rondom.registry.models import Child, PupilKey

from .models import AbsenceImport, AbsenceKind, AbsenceRecord, ColumnMapping, ImportStatus

BATCH = 5000
#: What a code marked "not absence" maps to while reading (compared by identity).
SKIP = "skip"
#: Marks a pupil cell that holds the school system's pupil key instead of a BSN: ("key", "12345") (the API).
PUPIL_KEY = "key"
LARGE_CACHE_KB = 65536
MAX_REPORTED_ERRORS = 500
MAX_LESSON_HOUR = 15
ALLOWED_SUFFIXES = (".csv", ".txt", ".xlsx")
Progress = Callable[[int, float], None]  # rows read, fraction of the file read

_TABLE = AbsenceRecord._meta.db_table
UPSERT_SQL = (
    f"INSERT INTO {_TABLE} (child_id, school_id, date, lesson_hour, kind, minutes, source_id) "  # noqa: S608
    "VALUES (%s, %s, %s, %s, %s, %s, %s) "
    "ON CONFLICT (child_id, date, lesson_hour) DO UPDATE SET kind = excluded.kind, minutes = excluded.minutes, "
    "school_id = excluded.school_id, source_id = excluded.source_id "
    f"WHERE {_TABLE}.kind <> excluded.kind OR {_TABLE}.minutes <> excluded.minutes "
    f"OR {_TABLE}.school_id <> excluded.school_id"
)


class FileRefused(Exception):
    """The file cannot be read at all (type, header); the report has one line."""

    def __init__(self, reason: str, column: str = "") -> None:
        super().__init__(reason)
        self.reason, self.column = reason, column


class _RollBack(Exception):
    pass


@dataclass
class Report:
    rows: int = 0
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    pupils: int = 0
    #: Rows whose code the mapping marks as not absence (present, homework forgotten, ...): read, not stored.
    skipped: int = 0
    error_count: int = 0
    errors: list[dict[str, Any]] = field(default_factory=list)

    def error(self, row: int, column: str, reason: str) -> None:
        self.error_count += 1
        if len(self.errors) < MAX_REPORTED_ERRORS:
            self.errors.append({"row": row, "column": column, "reason": reason})

    @property
    def ok(self) -> bool:
        return self.error_count == 0


# --- Reading files ------------------------------------------------------------------------------------------


@contextmanager
def _table(path: Path, name: str) -> Iterator[spreadsheets.Table]:
    suffix = Path(name).suffix.lower()
    if suffix not in ALLOWED_SUFFIXES:
        raise FileRefused(_("This is not a CSV or Excel (.xlsx) file. Export the absence as CSV or XLSX."))
    try:
        with spreadsheets.open_table(path) as table:
            if suffix == ".xlsx" and table.encoding != "xlsx":
                raise FileRefused(_("The file is called .xlsx but is not an Excel file."))
            yield table
    except spreadsheets.UnreadableFile as exc:
        raise FileRefused(exc.reason) from None


def _open_rows(path: Path, name: str) -> tuple[Generator[list[Any]], Callable[[], float]]:
    """Rows of the file as lists of cells (header first) and a function telling how far reading has come (0..1).

    Read with the shared reader (:mod:`rondom.spreadsheets`: encodings, Excel's ``sep=`` line, the delimiter,
    XLSX). The file stays open until the rows are read to the end or the generator is closed. Raises
    :class:`FileRefused` (also while iterating, for a damaged file)."""
    stack = ExitStack()
    table = stack.enter_context(_table(path, name))

    def rows() -> Generator[list[Any]]:
        with stack:
            try:
                yield from table.rows
            except spreadsheets.UnreadableFile as exc:
                raise FileRefused(exc.reason) from None

    return rows(), table.fraction


# --- Checking cells -----------------------------------------------------------------------------------------


class _Cells:
    """Per-cell parsing with small caches: an export repeats the same dates, codes and hours many times."""

    def __init__(self, mapping: ColumnMapping, pupils: dict[Any, int], today: date) -> None:
        self.mapping = mapping
        self.pupils = pupils
        self.today = today
        self.codes = {str(k).strip().lower(): v for k, v in mapping.kind_codes.items()}
        self.codes.update({str(k).strip().lower(): SKIP for k in mapping.skip_codes})
        self.dates: dict[Any, tuple[date, Any, int, int] | str] = {}
        #: the first day of every month a usable date of the file falls in (the rollup's school-months to refresh)
        self.months: set[date] = set()
        self.kinds: dict[Any, str | None] = {}
        self.hours: dict[Any, int | str] = {}
        self.adapt = connection.ops.adapt_datefield_value
        self.children: dict[Any, int | str] = {}
        self.minutes: dict[Any, int | str] = {}

    def child(self, raw: Any) -> int | str:
        found = self.children.get(raw)
        if found is None and isinstance(raw, tuple):
            found = self.pupils.get(raw) or _("Unknown pupil: no pupil of this school has this pupil key.")
        if found is None:
            value = normalise_bsn(spreadsheets.cell_text(raw))
            if not value:
                found = _("The BSN is empty.")
            elif not spreadsheets.is_ascii_digits(value):
                found = _("The BSN may only hold the digits 0-9.")
            elif len(value) != 9:
                found = _("This is not a BSN (9 digits).")
            else:
                found = self.pupils.get(blind_index(value)) or _("Unknown pupil: no pupil of this school has this BSN.")
            if len(self.children) < 100_000:
                self.children[raw] = found
        return found

    def day(self, raw: Any) -> tuple[date, Any, int, int] | str:
        """(date, its database value, year, day of the year from 0) or why it is not a usable date."""
        found = self.dates.get(raw)
        if found is None:
            parsed = self._parse_day(raw)
            found = (
                parsed
                if isinstance(parsed, str)
                else (parsed, self.adapt(parsed), parsed.year, parsed.timetuple().tm_yday - 1)
            )
            if not isinstance(parsed, str):
                self.months.add(parsed.replace(day=1))
            if len(self.dates) < 10_000:
                self.dates[raw] = found
        return found

    def _parse_day(self, raw: Any) -> date | str:
        if not spreadsheets.cell_text(raw):
            return _("The date is empty.")
        value = spreadsheets.parse_date(raw, (self.mapping.date_format,))
        if value is None:
            example = date(2026, 12, 31).strftime(self.mapping.date_format)
            return _("This is not a date in the format %(example)s.") % {"example": example}
        if value > self.today:
            return _("The date lies in the future.")
        return value

    def kind(self, raw: Any) -> str | None:
        try:
            return self.kinds[raw]
        except KeyError:
            found = self.kinds[raw] = self.codes.get(spreadsheets.cell_text(raw).lower())
            return found

    def lesson_hour(self, raw: Any) -> int | str:
        """0 for an empty cell (a whole day), the hour 1..15, or why it is not one."""
        found = self.hours.get(raw)
        if found is None:
            text = spreadsheets.cell_text(raw)  # an Excel number 3.0 reads "3"
            if not text:
                found = 0
            elif not spreadsheets.is_ascii_digits(text) or not 1 <= int(text) <= MAX_LESSON_HOUR:
                found = _("The lesson hour must be a whole number from 1 to 15.")
            else:
                found = int(text)
            if len(self.hours) < 1000:
                self.hours[raw] = found
        return found

    def hours_minutes(self, raw: Any) -> int | str:
        found = self.minutes.get(raw)
        if found is None:
            text = spreadsheets.cell_text(raw).replace(",", ".")
            try:
                if not text.isascii():  # Decimal() also reads other scripts' digits
                    raise InvalidOperation
                hours = Decimal(text)
                if not hours.is_finite():
                    raise InvalidOperation
            except InvalidOperation:
                found = _("This is not a number of hours.")
            else:
                if not Decimal(0) < hours <= Decimal(24):
                    found = _("Hours must be more than 0 and at most 24.")
                else:
                    found = int((hours * 60).to_integral_value())
            if len(self.minutes) < 10_000:
                self.minutes[raw] = found
        return found


class _Slots:
    """Which (pupil, day, lesson hour) the file has already used: one 16-bit mask per pupil and day, bit 0 for a
    whole day. Memory depends on the number of pupils and years, never on the number of rows."""

    def __init__(self, pupil_ids: list[int]) -> None:
        self.index = {pk: i for i, pk in enumerate(pupil_ids)}
        self.years: dict[int, array[int]] = {}

    def year(self, year: int) -> array[int]:
        masks = self.years[year] = array("H", bytes(2 * 366 * max(len(self.index), 1)))
        return masks

    @staticmethod
    def why(used: int, hour: int) -> str:
        if used & (1 << hour):
            return _("This pupil, date and lesson hour appear twice in the file.")
        return _("This overlaps another row of the same pupil on the same day (whole day and lesson hours).")


# --- The import ---------------------------------------------------------------------------------------------


def _header_positions(header: list[Any], mapping: ColumnMapping) -> dict[str, int]:
    names = [str(h).strip().lstrip("\ufeff").strip('"').lower() for h in header]
    positions: dict[str, int] = {}
    missing = []
    for field_name, column in mapping.required_columns():
        try:
            positions[field_name] = names.index(column.strip().lower())
        except ValueError:
            missing.append(column)
    if missing:
        raise FileRefused(
            _("The file misses columns that the mapping “%(mapping)s” needs: %(columns)s.")
            % {"mapping": mapping.name, "columns": ", ".join(missing)},
            column=", ".join(missing),
        )
    return positions


def import_file(
    path: Path,
    *,
    file_name: str,
    school_id: int,
    mapping: ColumnMapping,
    user: User,
    record: AbsenceImport | None = None,
    progress: Progress | None = None,
    today: date | None = None,
) -> Report:
    """Import one absence file for one school. Returns the report; the database changes only when it is ok."""
    decision = policy.organisation_decision(user, school_id, Action.CREATE, DataCategory.ABSENCE)
    if not decision.allowed:
        raise PermissionError("no ground to import absence for this school")
    report = Report()
    today = today or timezone.localdate()
    rows: Generator[list[Any]] | None = None
    try:
        rows, fraction = _open_rows(path, file_name)
        header = next(rows, None)
        if header is None:
            raise FileRefused(_("The file is empty."))
        positions = _header_positions(header, mapping)
    except FileRefused as refused:
        if rows is not None:
            rows.close()
        report.error(1, refused.column, refused.reason)
        return report

    return _import_rows(
        rows,
        positions,
        fraction,
        school_id=school_id,
        mapping=mapping,
        user=user,
        decision=decision,
        record=record,
        progress=progress,
        today=today,
        report=report,
    )


def _pupils(school_id: int, *, with_keys: bool = False) -> dict[Any, int]:
    """The school's current pupils: BSN blind index -> child id; with `with_keys` also ("key", the school system's
    pupil key, registry.PupilKey) -> child id."""
    pupils: dict[Any, int] = dict(
        Child.objects.filter(school_id=school_id, anonymised_at__isnull=True)
        .exclude(bsn_index="")
        .values_list("bsn_index", "pk")
    )
    if with_keys:
        keys = PupilKey.objects.filter(
            school_id=school_id, child__school_id=school_id, child__anonymised_at__isnull=True
        ).values_list("key", "child_id")
        pupils.update({(PUPIL_KEY, key): child_id for key, child_id in keys})
    return pupils


def _import_rows(
    rows: Iterator[list[Any]],
    positions: dict[str, int],
    fraction: Callable[[], float],
    *,
    school_id: int,
    mapping: ColumnMapping,
    user: User,
    decision: policy.Decision,
    record: AbsenceImport | None,
    progress: Progress | None,
    today: date,
    report: Report,
    with_keys: bool = False,
) -> Report:
    """The checks and the upsert of `import_file`, over rows already opened (header read, `positions` found)."""
    pupils = _pupils(school_id, with_keys=with_keys)
    cells = _Cells(mapping, pupils, today)
    slots = _Slots(sorted(set(pupils.values())))
    source_id = record.pk if record else None
    p_bsn, p_date, p_kind = positions["bsn"], positions["date"], positions["kind"]
    p_hours, p_hour = positions.get("hours"), positions.get("lesson_hour")
    c_bsn, c_date, c_kind = mapping.bsn_column, mapping.date_column, mapping.kind_column
    c_hours, c_hour = mapping.hours_column, mapping.lesson_hour_column
    width = max(positions.values()) + 1
    lesson_minutes = mapping.lesson_minutes
    kind_help = ", ".join(sorted([*mapping.kind_codes, *mapping.skip_codes], key=str.lower)) or "—"
    children: set[int] = set()
    children_add = children.add
    child_id: Any
    day: Any
    hour: Any
    minutes: Any
    slot_years, slot_index = slots.years, slots.index
    count = 0
    child_cache, day_cache, kind_cache, hour_cache = cells.children, cells.dates, cells.kinds, cells.hours

    try:
        with transaction.atomic(), _large_cache():
            before = AbsenceRecord.objects.filter(school_id=school_id).count()
            changed = 0
            batch: list[tuple[Any, ...]] = []
            with connection.cursor() as cursor:
                try:
                    for number, row in enumerate(rows, start=2):
                        if len(row) < width:
                            if not any(str(c).strip() for c in row):
                                continue  # an empty line
                            row = list(row) + [""] * (width - len(row))
                        elif not row[p_bsn] and not any(str(c).strip() for c in row):
                            continue
                        count += 1
                        if count % 20000 == 0 and progress:
                            progress(count, fraction())
                        raw = row[p_bsn]
                        child_id = child_cache.get(raw)
                        if child_id is None:
                            child_id = cells.child(raw)
                        if child_id.__class__ is str:
                            report.error(number, c_bsn, child_id)
                            continue
                        raw = row[p_date]
                        day = day_cache.get(raw)
                        if day is None:
                            day = cells.day(raw)
                        if day.__class__ is str:
                            report.error(number, c_date, day)
                            continue
                        raw = row[p_kind]
                        kind = kind_cache.get(raw) or cells.kind(raw)
                        if kind is None:
                            report.error(
                                number, c_kind, _("Unknown kind of absence; this mapping knows: %s.") % kind_help
                            )
                            continue
                        if kind == SKIP:
                            report.skipped += 1
                            continue
                        hour = 0 if p_hour is None else (hour_cache.get(row[p_hour]) or cells.lesson_hour(row[p_hour]))
                        if hour.__class__ is str:
                            report.error(number, c_hour, hour)
                            continue
                        if p_hours is not None and str(row[p_hours]).strip():
                            minutes = cells.hours_minutes(row[p_hours])
                            if minutes.__class__ is str:
                                report.error(number, c_hours, minutes)
                                continue
                        elif hour:
                            minutes = lesson_minutes
                        else:
                            report.error(number, c_hours or c_hour, _("Neither hours nor a lesson hour is given."))
                            continue
                        _day, db_day, year, yday = day
                        # The slot check of _Slots.take, inlined: this loop runs once per row.
                        masks = slot_years.get(year)
                        if masks is None:
                            masks = slots.year(year)
                        at = slot_index[child_id] * 366 + yday
                        used = masks[at]
                        bit = 1 << hour
                        if used & bit or (hour == 0 and used) or (hour and used & 1):
                            report.error(number, c_hour or c_date, slots.why(used, hour))
                            continue
                        masks[at] = used | bit
                        if report.error_count:
                            continue  # the file is refused anyway: only check the rest for the report
                        children_add(child_id)
                        batch.append((child_id, school_id, db_day, hour, kind, minutes, source_id))
                        if len(batch) >= BATCH:
                            cursor.executemany(UPSERT_SQL, batch)
                            changed += max(cursor.rowcount, 0)
                            batch.clear()
                except FileRefused as refused:
                    report.error(count + 2, "", refused.reason)
                report.rows = count
                if report.error_count:
                    raise _RollBack
                if batch:
                    cursor.executemany(UPSERT_SQL, batch)
                    changed += max(cursor.rowcount, 0)
            after = AbsenceRecord.objects.filter(school_id=school_id).count()
            report.inserted = after - before
            report.updated = changed - report.inserted
            report.unchanged = report.rows - report.skipped - changed
            report.pupils = len(children)
            if changed:
                # The monitoring's rollup: this school's months of this file, queued with the rows themselves.
                rollups.queue().mark([(school_id, month) for month in cells.months], "absence import")
            if children:
                # One access-log row per pupil whose absence this import wrote (the school-role ground is the same
                # for every pupil of the school), in the same transaction as the rows themselves.
                log.log_many(
                    user,
                    decision,
                    [
                        log.LogItem(pk, "absence_import", str(source_id or "")) for pk in sorted(children)
                    ],  # logs: create
                )
    except _RollBack:
        pass
    if progress:
        progress(report.rows, 1.0)
    return report


#: The columns of absence posted through the API (attendance.api): the field names the API's errors name.
API_MAPPING_FIELDS = {
    "bsn_column": "pupil",
    "date_column": "date",
    "kind_column": "kind",
    "hours_column": "hours",
    "lesson_hour_column": "lesson_hour",
}


def api_mapping() -> ColumnMapping:
    """The (unsaved) mapping of absence posted through the API: ISO dates, the kinds by their own codes
    (``unauthorised``, ``authorised``, ``sick``, ``late``, ``exemption``), a lesson hour of 60 minutes."""
    return ColumnMapping(
        name="API",
        school_system="API",
        date_format="%Y-%m-%d",
        kind_codes={kind: kind for kind in AbsenceKind.values},
        skip_codes=[],
        lesson_minutes=60,
        **API_MAPPING_FIELDS,
    )


def import_records(
    records: list[dict[str, Any]],
    *,
    school_id: int,
    user: User,
    record: AbsenceImport | None = None,
    today: date,
) -> Report:
    """Import absence posted as records (the API, issue 15) with the same checks, Dutch reasons, all-or-nothing
    rule, upsert and log rows as a file (`import_file`). Each record: ``bsn`` (9 digits) or ``pupil_key`` (the
    school system's key, registry.PupilKey), ``date`` (ISO, not after `today`), ``kind`` (an AbsenceKind value),
    ``hours`` (0 < h <= 24) and/or ``lesson_hour`` (1..15). Report rows count from 1 (the record's position);
    the report's ``column`` is the API's field name. Raises PermissionError when `user` has no ground to import
    absence for the school (the caller answers 404 outside scope first)."""
    decision = policy.organisation_decision(user, school_id, Action.CREATE, DataCategory.ABSENCE)
    if not decision.allowed:
        raise PermissionError("no ground to import absence for this school")

    def cell(value: Any) -> str:
        return "" if value is None else str(value)

    rows = iter(
        [
            [
                (PUPIL_KEY, str(r["pupil_key"])) if r.get("pupil_key") else cell(r.get("bsn")),
                cell(r.get("date")),
                cell(r.get("kind")),
                cell(r.get("hours")),
                cell(r.get("lesson_hour")),
            ]
            for r in records
        ]
    )
    report = _import_rows(
        rows,
        {"bsn": 0, "date": 1, "kind": 2, "hours": 3, "lesson_hour": 4},
        lambda: 1.0,
        school_id=school_id,
        mapping=api_mapping(),
        user=user,
        decision=decision,
        record=record,
        progress=None,
        today=today,
        report=Report(),
        with_keys=True,
    )
    for error in report.errors:
        error["row"] -= 1  # _import_rows counts a header line first
    return report


@contextmanager
def _large_cache() -> Iterator[None]:
    """SQLite: a 64 MB page cache while importing (the indexes of a million rows do not fit the default 2 MB).
    Only for this connection and only during the import: a large cache slows ordinary requests down."""
    if connection.vendor != "sqlite":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA cache_size")
        previous = cursor.fetchone()[0]
        cursor.execute(f"PRAGMA cache_size = {-LARGE_CACHE_KB}")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"PRAGMA cache_size = {int(previous)}")


# --- Progress shown on the web ------------------------------------------------------------------------------


def progress_path(import_id: int) -> Path:
    return shared_progress.progress_path("imports", import_id)


def upload_path(import_id: int) -> Path:
    return Path(settings.VAR_DIR) / "imports" / f"{import_id}.upload"


def write_progress(import_id: int, rows: int, fraction: float) -> None:
    """Progress lives in a small file, outside the import's transaction, so the web page can show it
    (rondom.progress, shared with the roster import)."""
    shared_progress.write_progress("imports", import_id, rows, fraction)


def read_progress(import_id: int) -> dict[str, Any]:
    return shared_progress.read_progress("imports", import_id)


def run_stored_import(record: AbsenceImport) -> AbsenceImport:
    """Run an uploaded import (the worker's task): read the stored file, save the outcome, remove the file."""
    path = upload_path(record.pk)
    AbsenceImport.objects.filter(pk=record.pk).update(status=ImportStatus.RUNNING)
    try:
        report = import_file(
            path,
            file_name=record.file_name,
            school_id=record.school_id,
            mapping=record.mapping,  # type: ignore[arg-type]  # a stored upload always has its mapping
            user=record.uploaded_by,  # type: ignore[arg-type]
            record=record,
            progress=lambda rows, fraction: write_progress(record.pk, rows, fraction),
        )
    finally:
        path.unlink(missing_ok=True)
    save_outcome(record, report)
    return record


def save_outcome(record: AbsenceImport, report: Report) -> None:
    record.status = ImportStatus.DONE if report.ok else ImportStatus.REFUSED
    record.finished_at = timezone.now()
    for name in ("rows", "inserted", "updated", "unchanged", "pupils", "skipped", "error_count", "errors"):
        setattr(record, name, getattr(report, name))
    record.save()
    progress_path(record.pk).unlink(missing_ok=True)


__all__ = ["AbsenceKind", "FileRefused", "Report", "import_file", "run_stored_import"]
