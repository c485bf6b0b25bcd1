"""Applying a roster to one school: match, add, change, end; all-or-nothing; a dry run (issue 15; docs/roster.md).

    apply_roster(actor, school, roster, *, today, dry_run=False, progress=None) -> RosterReport
    apply_roster_as_system(school, roster, *, today, dry_run=False, progress=None) -> RosterReport
    apply_parents(actor, school, parents, *, today, dry_run=False, progress=None) -> RosterReport

Every file is checked whole first (checks.check_roster plus the checks that need the school and the day); any error
refuses it (RosterRefused with every RowError) and nothing is written. Then one transaction writes in bulk, with
one access-log row per child whose basic details changed (what changed named by field, never by value) and one
administration-log row for the import. An import that changes nothing writes nothing, no log rows either.
"""

from __future__ import annotations

import sqlite3
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import connection, transaction
from django.db.models import BooleanField, ExpressionWrapper, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from rondom import rollups
from rondom.access import log, policy, rules, tasks
from rondom.access.tasks import Standing
from rondom.accounts.models import Membership, Organisation, User
from rondom.audit.services import record_administration
from rondom.core.access_types import Decision
from rondom.core.categories import Action, DataCategory
from rondom.records.services import bsn_refused_message
from rondom.registry import bsn as bsn_module
from rondom.registry.models import Child, GroupTeacher, Guardianship, PupilKey, RefusedBsn, SchoolGroup

from .checks import FIELD_NAMES, check_parents, check_roster, onderwijsnummer_refused_message
from .types import Roster, RosterParent, RosterPupil, RosterRefused, RosterReport, RowError

Progress = Callable[[int, int], None]  # done, total

#: Rows per bulk write and ids per matching query (SQLite's and PostgreSQL's parameter limits are far above).
BATCH = 900
GROUP_NAME_MAX = 20  # Child.group


class _RollBack(Exception):
    pass


def _in_chunks(items: Sequence[Any], size: int = BATCH) -> Iterable[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _require_beheerder(actor: User | None, school: Organisation) -> Decision:
    """The decision under which the school's functioneel beheerder writes its pupils' basic details: the
    school-role ground of his or her FUNCTIONAL_ADMIN membership at this school (access.rules.SCHOOL_ROLE_RULES,
    identity 'rw'). Raises PermissionDenied for anyone else (another role, another school, no actor)."""
    if actor is None:
        raise PermissionDenied(_("Only the functioneel beheerder of the school imports its roster."))
    decision = policy.organisation_decision(actor, school.pk, Action.UPDATE, DataCategory.IDENTITY)
    if not decision.allowed or not tasks.may(actor, "import_roster", school) or school.kind != "school":
        raise PermissionDenied(_("Only the functioneel beheerder of the school imports its roster."))
    return decision


def apply_roster(
    actor: User | None,
    school: Organisation,
    roster: Roster,
    *,
    today: date,
    dry_run: bool = False,
    progress: Progress | None = None,
) -> RosterReport:
    """Apply `roster` to `school` (an Organisation of kind school) as `actor`, its functioneel beheerder.

    Matching, per pupil: on the BSN (its blind index, Child.bsn_index) or the onderwijsnummer
    (Child.onderwijsnummer_index) where the file gives one, else on the school system's key (PupilKey). A new pupil
    becomes a Child of this school (home municipality: the school's); a changed name, date of birth, group or school
    is updated (Child.version + 1). A full roster (`roster.full`) ends what it no longer holds: a pupil of this
    school missing from it gets `left_school_on = today` and leaves the school (school and group cleared; the child,
    cases and plans stay); a group gets `ended_on = today`, and so do teacher links. Teachers are matched by e-mail
    to an account with an active teacher role at the school; without one they are reported, not created.

    `today` is the day the import counts as (left_school_on, ended_on, valid_from). `dry_run`: everything
    computed and written, then rolled back; the report says what would change. `progress(done, total)` is called
    per batch of pupils. Returns the RosterReport. Raises PermissionDenied (not the school's functioneel
    beheerder), RosterRefused (every RowError; nothing written)."""
    decision = _require_beheerder(actor, school)
    return _Import(actor, decision, school, today, progress, Standing.OWN_ADMIN).run(roster, dry_run)


def apply_roster_as_system(
    school: Organisation,
    roster: Roster,
    *,
    today: date,
    dry_run: bool = False,
    progress: Progress | None = None,
) -> RosterReport:
    """`apply_roster` with no user: the system itself loads the roster (the demo's generator, the import_roster
    command without --user), on the named system rule `roster_import` (access.rules.SYSTEM_RULES). Same checks,
    report and errors, except that there is no actor to refuse."""
    decision = policy.system_decision("roster_import", Action.UPDATE, DataCategory.IDENTITY)
    return _Import(None, decision, school, today, progress, "system").run(roster, dry_run)


# Fields of Child a roster decides, compared to find a change.
_CHILD_FIELDS = (
    "given_name",
    "family_name",
    "date_of_birth",
    "school_id",
    "school_group_id",
    "group",
    "left_school_on",
    "bsn_index",
    "onderwijsnummer_index",
)

_CHILD_VALUES = (*_CHILD_FIELDS, "bsn_encrypted", "version")

_CHILD_UPDATE_FIELDS = [
    "given_name",
    "family_name",
    "date_of_birth",
    "school",
    "school_group",
    "group",
    "left_school_on",
    "bsn_index",
    "bsn_encrypted",
    "onderwijsnummer_index",
    "version",
    "updated_at",
]


#: How a changed field is named on the child's access-log row (object_id, at most 50 characters): which parts of
#: the basic details the import changed, never their values.
_LOG_CODES = {
    "given_name": "given",
    "family_name": "family",
    "date_of_birth": "born",
    "school_id": "school",
    "school_group_id": "group",
    "group": "group",
    "left_school_on": "left",
    "bsn": "bsn",
    "onderwijsnummer_index": "onr",
}


def _log_id(fields: list[str]) -> str:
    """'roster:given,group' for a change of the roepnaam and the group (AccessLogEntry.object_id)."""
    return "roster:" + ",".join(dict.fromkeys(_LOG_CODES[f] for f in fields))


@dataclass
class _Match:
    pupil: RosterPupil
    bsn_index: str = ""
    onr_index: str = ""
    child_id: int | None = None


@dataclass
class _Import:
    actor: User | None
    decision: Decision
    school: Organisation
    today: date
    progress: Progress | None
    standing: str
    report: RosterReport = field(default_factory=RosterReport)
    #: Rows refused because their BSN or onderwijsnummer is that of a child now at another school.
    refused_rows: int = 0

    # -- checks ---------------------------------------------------------------------------------------------------

    def _school_errors(self, roster: Roster) -> list[RowError]:
        errors = []
        if roster.brin and (
            roster.brin.upper() != self.school.brin or (roster.vestiging or "00") != (self.school.vestiging or "00")
        ):
            errors.append(
                RowError(
                    0,
                    FIELD_NAMES["brin"],
                    _("The file is for school %(file)s, not for this school (%(school)s).")
                    % {"file": f"{roster.brin}{roster.vestiging}", "school": self.school.brin6 or "—"},
                )
            )
        if self.school.municipality_id is None:
            errors.append(
                RowError(0, "school", _("The school has no municipality; ask the administrator to set it first."))
            )
        for pupil in roster.pupils:
            if pupil.date_of_birth > self.today:
                errors.append(RowError(pupil.row, FIELD_NAMES["date_of_birth"], _("The date lies in the future.")))
        return errors

    # -- matching (reads only) ------------------------------------------------------------------------------------

    def _match(self, roster: Roster) -> tuple[list[_Match], list[RowError], dict[str, tuple[int, int, str]]]:
        errors: list[RowError] = []
        matches = [
            _Match(
                p,
                bsn_module.blind_index(p.bsn) if p.bsn else "",
                bsn_module.blind_index(p.onderwijsnummer) if p.onderwijsnummer else "",
            )
            for p in roster.pupils
        ]
        live = Child.objects.filter(anonymised_at__isnull=True)
        # A number matches a child of this school or a child at no school now (left, never enrolled: re-enrolment).
        # A child currently at another school is never taken over (a move between schools is a warm transfer,
        # issue 16): the row is refused with the neutral answer of every refused BSN (below).
        here = Q(school_id=self.school.pk) | Q(school__isnull=True)
        by_bsn: dict[str, int] = {}
        elsewhere_bsn: set[str] = set()
        wanted = [m.bsn_index for m in matches if m.bsn_index]
        for chunk in _in_chunks(wanted):
            for index, pk, ours in (
                live.filter(bsn_index__in=chunk)
                .annotate(ours=ExpressionWrapper(here, BooleanField()))
                .values_list("bsn_index", "pk", "ours")
            ):
                if ours:
                    by_bsn[index] = pk
                else:
                    elsewhere_bsn.add(index)
        by_onr: dict[str, int] = {}
        elsewhere_onr: set[str] = set()
        wanted = [m.onr_index for m in matches if m.onr_index]
        for chunk in _in_chunks(wanted):
            for index, pk, ours in (
                live.filter(onderwijsnummer_index__in=chunk)
                .annotate(ours=ExpressionWrapper(here, BooleanField()))
                .values_list("onderwijsnummer_index", "pk", "ours")
            ):
                if ours:
                    by_onr[index] = pk
                else:
                    elsewhere_onr.add(index)
        keys: dict[str, tuple[int, int, str]] = {
            key: (pk, child_id, eck)
            for pk, key, child_id, eck in PupilKey.objects.filter(
                school=self.school, child__anonymised_at__isnull=True
            ).values_list("pk", "key", "child_id", "eck_id")
        }
        taken: dict[int, int] = {}
        for m in matches:
            refused = False
            if m.bsn_index in elsewhere_bsn:
                errors.append(RowError(m.pupil.row, FIELD_NAMES["bsn"], bsn_refused_message()))
                refused = True
            if m.onr_index in elsewhere_onr:
                errors.append(RowError(m.pupil.row, FIELD_NAMES["onderwijsnummer"], onderwijsnummer_refused_message()))
                refused = True
            if refused:
                self.refused_rows += 1
                continue
            child_id = by_bsn.get(m.bsn_index) if m.bsn_index else None
            if child_id is None and m.onr_index:
                child_id = by_onr.get(m.onr_index)
            if child_id is None and m.pupil.key in keys:
                child_id = keys[m.pupil.key][1]
            if child_id is not None and child_id in taken:
                errors.append(
                    RowError(
                        m.pupil.row,
                        FIELD_NAMES["key"],
                        _("This pupil is the same child as the pupil on row %(row)s.") % {"row": taken[child_id]},
                    )
                )
            elif child_id is not None:
                taken[child_id] = m.pupil.row
            m.child_id = child_id
        return matches, errors, keys

    def _load_children(self, ids: Iterable[int]) -> dict[int, dict[str, Any]]:
        """The matched children's current values of what a roster decides (plain dicts: a model instance is made
        only for a child that changes)."""
        found: dict[int, dict[str, Any]] = {}
        ids = sorted(set(ids))
        for chunk in _in_chunks(ids):
            for row in Child.objects.filter(pk__in=chunk).values("pk", *_CHILD_VALUES):
                found[row["pk"]] = row
        return found

    def _record_refused_bsns(self) -> None:
        """One RefusedBsn row per refused row, for the privacy officer (as rondom.records does): who, at which
        school, when; never the number or the other child. Written even in a dry run: the attempt is what counts."""
        now = timezone.now()
        RefusedBsn.objects.bulk_create(
            [RefusedBsn(occurred_at=now, user=self.actor, school=self.school) for _ in range(self.refused_rows)]
        )

    # -- the import -----------------------------------------------------------------------------------------------

    def run(self, roster: Roster, dry_run: bool) -> RosterReport:
        errors = check_roster(roster) + self._school_errors(roster)
        matches, match_errors, keys = self._match(roster)
        errors += match_errors
        current = self._load_children(m.child_id for m in matches if m.child_id is not None)
        for m in matches:
            child = current.get(m.child_id) if m.child_id is not None else None
            if child is None:
                continue
            if m.bsn_index and child["bsn_index"] and child["bsn_index"] != m.bsn_index:
                errors.append(
                    RowError(
                        m.pupil.row,
                        FIELD_NAMES["bsn"],
                        _("The BSN differs from the BSN known for this pupil; correct it in the record first."),
                    )
                )
            if m.onr_index and child["onderwijsnummer_index"] and child["onderwijsnummer_index"] != m.onr_index:
                errors.append(
                    RowError(
                        m.pupil.row,
                        FIELD_NAMES["onderwijsnummer"],
                        _("The onderwijsnummer differs from the one known for this pupil."),
                    )
                )
        if self.refused_rows:
            self._record_refused_bsns()
        if errors:
            raise RosterRefused(sorted(dict.fromkeys(errors), key=lambda e: e.row))
        self.report = RosterReport(dry_run=dry_run)
        try:
            with transaction.atomic():
                self._write(roster, matches, keys, current)
                if dry_run:
                    raise _RollBack
        except _RollBack:
            pass
        return self.report

    def _write(
        self,
        roster: Roster,
        matches: list[_Match],
        keys: dict[str, tuple[int, int, str]],
        current: dict[int, dict[str, Any]],
    ) -> None:
        report, school, today = self.report, self.school, self.today
        municipality_id = school.municipality_id
        assert municipality_id is not None  # checked in _school_errors
        groups = self._write_groups(roster)
        now = timezone.now()
        total = len(matches)
        new_children: list[tuple[_Match, Child]] = []
        changed: list[Child] = []
        changed_fields: dict[int, list[str]] = {}
        changed_names: set[str] = set()
        seen: set[int] = set()
        for done, m in enumerate(matches, start=1):
            p = m.pupil
            group = groups.get(p.group_key) if p.group_key else None
            wanted = {
                "given_name": p.given_name.strip(),
                "family_name": p.full_family_name.strip(),
                "date_of_birth": p.date_of_birth,
                "school_id": school.pk,
                "school_group_id": group.pk if group else None,
                "group": (group.name if group else "")[:GROUP_NAME_MAX],
                "left_school_on": None,
            }
            label = f"{p.key} {wanted['given_name']} {wanted['family_name']}"
            row = current.get(m.child_id) if m.child_id is not None else None
            if row is None:
                child = Child(home_municipality_id=municipality_id, created_at=now, updated_at=now, **wanted)
                if m.bsn_index:
                    child.bsn_encrypted = bsn_module.encrypt(bsn_module.normalise_bsn(p.bsn))
                    child.bsn_index = m.bsn_index
                if m.onr_index:
                    child.onderwijsnummer_index = m.onr_index
                new_children.append((m, child))
                report.added.append(label)
            else:
                seen.add(row["pk"])
                diff = [name for name, value in wanted.items() if row[name] != value]
                extra: dict[str, Any] = {}
                if m.bsn_index and not row["bsn_index"]:
                    extra["bsn_encrypted"] = bsn_module.encrypt(bsn_module.normalise_bsn(p.bsn))
                    extra["bsn_index"] = m.bsn_index
                    diff.append("bsn")
                if m.onr_index and not row["onderwijsnummer_index"]:
                    extra["onderwijsnummer_index"] = m.onr_index
                    diff.append("onderwijsnummer_index")
                if diff:
                    child = Child(**{k: v for k, v in row.items() if k != "pk"})
                    child.pk = row["pk"]
                    for name, value in {**wanted, **extra}.items():
                        setattr(child, name, value)
                    child.version += 1
                    child.updated_at = now
                    changed.append(child)
                    changed_fields[child.pk] = diff
                    changed_names.update(diff)
                    report.changed.append(label)
                else:
                    report.unchanged += 1
            if self.progress and (done % BATCH == 0 or done == total):
                self.progress(done, total)

        _insert_children([c for _m, c in new_children])
        seen.update(c.pk for _m, c in new_children)
        # A pupil who came from another school: the monitoring counts its goal scores and cases at its school now
        # (the rollup's queue, rondom.rollups), so both schools' months are refreshed.
        moved = [c.pk for c in changed if "school_id" in changed_fields[c.pk]]
        rollups.queue().mark_children_moved(moved, "roster")
        Child.objects.bulk_update(changed, _CHILD_UPDATE_FIELDS, batch_size=BATCH)
        rollups.queue().mark_children_moved(moved, "roster")

        # Pupil keys: a new one per pupil whose key is new; a key that now belongs to another child (the BSN said
        # so) moves; the ECK iD follows the file.
        key_new: list[tuple[int, str, int, str]] = []
        key_changed: list[PupilKey] = []
        for m in matches:
            if m.child_id is None:
                continue
            known = keys.get(m.pupil.key)
            if known is None:
                key_new.append((school.pk, m.pupil.key, m.child_id, m.pupil.eck_id))
            elif known[1] != m.child_id or known[2] != m.pupil.eck_id:
                key_changed.append(PupilKey(pk=known[0], child_id=m.child_id, eck_id=m.pupil.eck_id))
        for m, child in new_children:
            known = keys.get(m.pupil.key)
            if known is None:
                key_new.append((school.pk, m.pupil.key, child.pk, m.pupil.eck_id))
            else:
                key_changed.append(PupilKey(pk=known[0], child_id=child.pk, eck_id=m.pupil.eck_id))
        _insert_keys(key_new)
        PupilKey.objects.bulk_update(key_changed, ["child", "eck_id"], batch_size=BATCH)

        # Left: a pupil of this school that a full roster no longer holds.
        left: list[Child] = []
        if roster.full:
            here = Child.objects.filter(school=school, anonymised_at__isnull=True).values_list("pk", flat=True)
            gone_ids = sorted(set(here) - seen)
            gone = [
                child
                for chunk in _in_chunks(gone_ids)
                for child in Child.objects.filter(pk__in=chunk).only(
                    "pk", "given_name", "family_name", "version", "school_id", "school_group_id", "group"
                )
            ]
            for child in gone:
                child.school_id = None
                child.school_group_id = None
                child.group = ""
                child.left_school_on = today
                child.version += 1
                child.updated_at = now
                left.append(child)
                report.ended.append(f"{child.given_name} {child.family_name}")
            rollups.queue().mark_children_moved([c.pk for c in left], "roster")
            Child.objects.bulk_update(
                left, ["school", "school_group", "group", "left_school_on", "version", "updated_at"], batch_size=BATCH
            )

        self._write_teachers(roster, groups)
        self._log(new_children, changed, changed_fields, left, roster, changed_names)

    def _write_groups(self, roster: Roster) -> dict[str, SchoolGroup]:
        report, school, today = self.report, self.school, self.today
        existing = {g.key: g for g in SchoolGroup.objects.filter(school=school, school_year=roster.school_year)}
        create: list[SchoolGroup] = []
        update: list[SchoolGroup] = []
        for rg in roster.groups:
            g = existing.get(rg.key)
            if g is None:
                g = SchoolGroup(
                    school=school,
                    school_year=roster.school_year,
                    key=rg.key,
                    name=rg.name.strip(),
                    jaargroep=rg.jaargroep,
                )
                create.append(g)
                existing[rg.key] = g
            elif (g.name, g.jaargroep, g.ended_on) != (rg.name.strip(), rg.jaargroep, None):
                g.name, g.jaargroep, g.ended_on = rg.name.strip(), rg.jaargroep, None
                update.append(g)
        SchoolGroup.objects.bulk_create(create, batch_size=BATCH)
        SchoolGroup.objects.bulk_update(update, ["name", "jaargroep", "ended_on"], batch_size=BATCH)
        report.groups_added, report.groups_changed = len(create), len(update)
        if roster.full:
            keep = {existing[rg.key].pk for rg in roster.groups}
            ending = [
                pk
                for pk in SchoolGroup.objects.filter(school=school, ended_on__isnull=True).values_list("pk", flat=True)
                if pk not in keep
            ]
            for chunk in _in_chunks(ending):
                SchoolGroup.objects.filter(pk__in=chunk).update(ended_on=today)
                report.teachers_unlinked += GroupTeacher.objects.filter(
                    group_id__in=chunk, ended_on__isnull=True
                ).update(ended_on=today)
            report.groups_ended = len(ending)
        return {rg.key: existing[rg.key] for rg in roster.groups}

    def _write_teachers(self, roster: Roster, groups: dict[str, SchoolGroup]) -> None:
        report, school, today = self.report, self.school, self.today
        memberships: dict[str, int] = {}
        for pk, email in (
            Membership.objects.filter(
                organisation=school, role__in=sorted(rules.GROUP_BOUND_SCHOOL_ROLES), valid_from__lte=today
            )
            .filter(Q(valid_until__isnull=True) | Q(valid_until__gte=today))
            .exclude(user__email="")
            .filter(user__is_active=True)
            .values_list("pk", "user__email")
        ):
            memberships.setdefault(email.strip().lower(), pk)
        wanted: set[tuple[int, int]] = set()
        for teacher in roster.teachers:
            membership_id = memberships.get(teacher.email.strip().lower()) if teacher.email else None
            if membership_id is None:
                name = " ".join(x for x in (teacher.given_name, teacher.voorvoegsel, teacher.family_name) if x)
                report.teachers_unmatched.append(f"{teacher.key} {name}".strip())
                continue
            for key in teacher.group_keys:
                if key in groups:
                    wanted.add((groups[key].pk, membership_id))
        group_ids = [g.pk for g in groups.values()]
        open_links: dict[tuple[int, int], int] = {}
        for chunk in _in_chunks(group_ids):
            open_links.update(
                ((g, m), pk)
                for pk, g, m in GroupTeacher.objects.filter(group_id__in=chunk, ended_on__isnull=True).values_list(
                    "pk", "group_id", "membership_id"
                )
            )
        new = [
            GroupTeacher(group_id=g, membership_id=m, valid_from=today)
            for g, m in sorted(wanted)
            if (g, m) not in open_links
        ]
        GroupTeacher.objects.bulk_create(new, batch_size=BATCH)
        report.teachers_linked = len(new)
        if roster.full:
            ending = [pk for link, pk in open_links.items() if link not in wanted]
            for chunk in _in_chunks(ending):
                GroupTeacher.objects.filter(pk__in=chunk).update(ended_on=today)
            report.teachers_unlinked += len(ending)

    def _log(
        self,
        new_children: list[tuple[_Match, Child]],
        changed: list[Child],
        changed_fields: dict[int, list[str]],
        left: list[Child],
        roster: Roster,
        changed_names: set[str],
    ) -> None:
        report = self.report
        if new_children:
            log.log_many(
                self.actor,
                self.decision.for_action(Action.CREATE),
                [log.LogItem(c.pk, "child", "roster:added") for _m, c in new_children],
            )
        items = [log.LogItem(c.pk, "child", _log_id(changed_fields[c.pk])) for c in changed]
        items += [log.LogItem(c.pk, "child", "roster:left") for c in left]
        if items:
            log.log_many(self.actor, self.decision.for_action(Action.UPDATE), items)
        anything = (
            new_children
            or changed
            or left
            or report.groups_added
            or report.groups_changed
            or report.groups_ended
            or report.teachers_linked
            or report.teachers_unlinked
        )
        if anything:
            record_administration(
                self.actor,
                "roster_import",
                standing=self.standing,
                organisation=self.school,
                detail={
                    "school_year": roster.school_year,
                    "full": roster.full,
                    "added": len(new_children),
                    "changed": len(changed),
                    "fields_changed": sorted(changed_names),
                    "left": len(left),
                    "groups_added": report.groups_added,
                    "groups_changed": report.groups_changed,
                    "groups_ended": report.groups_ended,
                    "teachers_linked": report.teachers_linked,
                    "teachers_unlinked": report.teachers_unlinked,
                },
            )


def _query_params_limit() -> int:
    """How many parameters one statement may carry: SQLite's compiled limit (Django assumes 999, the limit of
    SQLite before 3.32), PostgreSQL's 65,535; at most 32,766 either way."""
    limit = connection.features.max_query_params or 65535
    if connection.vendor == "sqlite":
        connection.ensure_connection()
        limit = connection.connection.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER)
    return min(limit, 32766)


def _insert_children(children: list[Child]) -> None:
    """Insert new Child rows and set their pks: multi-row INSERT ... RETURNING statements as large as the database
    allows, each value adapted once per field (Child.objects.bulk_create does the same in batches of 999
    parameters, with the ORM's work per value). Without RETURNING, bulk_create itself."""
    if not children:
        return
    for child in children:  # what Child.save and ChildQuerySet.bulk_create do (docs/search.md)
        child.search_name = child.computed_search_name()
    if not connection.features.can_return_rows_from_bulk_insert:
        Child.objects.bulk_create(children, batch_size=BATCH)
        return
    ops = connection.ops
    fields = [f for f in Child._meta.concrete_fields if not f.primary_key]
    adapt: list[Callable[[Any], Any] | None] = []
    for f in fields:
        kind = f.get_internal_type()
        adapt.append(
            ops.adapt_datetimefield_value
            if kind == "DateTimeField"
            else ops.adapt_datefield_value
            if kind == "DateField"
            else None
        )
    q = ops.quote_name
    columns = ", ".join(q(str(f.column)) for f in fields)
    row_sql = "(" + ", ".join(["%s"] * len(fields)) + ")"
    attnames = [f.attname for f in fields]
    per = max(1, min(2000, _query_params_limit() // len(fields)))
    with connection.cursor() as cursor:
        for chunk in _in_chunks(children, per):
            params: list[Any] = []
            for child in chunk:
                for name, fn in zip(attnames, adapt, strict=True):
                    value = getattr(child, name)
                    params.append(fn(value) if fn is not None and value is not None else value)
            sql = (
                f"INSERT INTO {q(Child._meta.db_table)} ({columns}) VALUES "  # noqa: S608
                + ", ".join([row_sql] * len(chunk))
                + f" RETURNING {q(str(Child._meta.pk.column))}"
            )
            cursor.execute(sql, params)
            for child, (pk,) in zip(chunk, cursor.fetchall(), strict=True):
                child.pk = pk
                child._state.adding = False


def _insert_keys(keys: list[tuple[int, str, int, str]]) -> None:
    """Insert new PupilKey rows with one executemany per batch (a plain INSERT: the ORM's per-field work is most of
    the cost of 24,000 small rows)."""
    if not keys:
        return
    q = connection.ops.quote_name
    table = q(PupilKey._meta.db_table)
    sql = (
        f"INSERT INTO {table} ({q('school_id')}, {q('key')}, {q('child_id')}, {q('eck_id')}) "  # noqa: S608
        "VALUES (%s, %s, %s, %s)"
    )
    with connection.cursor() as cursor:
        for chunk in _in_chunks(keys, 5000):
            cursor.executemany(sql, chunk)


# -- parents ------------------------------------------------------------------------------------------------------


def apply_parents(
    actor: User | None,
    school: Organisation,
    parents: list[RosterParent],
    *,
    today: date,
    dry_run: bool = False,
    progress: Progress | None = None,
) -> RosterReport:
    """Apply a parents list (mapped.read_parents) to the pupils of `school`, as its functioneel beheerder.

    Each row names a pupil by the school system's key (PupilKey of this school; the pupil must be at the school).
    The parent is found among the child's parents by e-mail (case-insensitive) or else by name; found, the
    account's name and e-mail and the Guardianship's relation and parental authority follow the file; not found, a
    family account is made (no usable password: the parent signs in through DigiD) and linked. The same person on
    several rows (siblings) is one account, found by e-mail or, without e-mail, by name within the file.
    All-or-nothing as apply_roster; idempotent. Raises PermissionDenied, RosterRefused."""
    decision = _require_beheerder(actor, school)
    return _apply_parents(actor, decision, school, parents, today, dry_run, progress, Standing.OWN_ADMIN)


def apply_parents_as_system(
    school: Organisation,
    parents: list[RosterParent],
    *,
    today: date,
    dry_run: bool = False,
    progress: Progress | None = None,
) -> RosterReport:
    """`apply_parents` by the system itself (the demo, the command without --user), on the rule `roster_import`."""
    decision = policy.system_decision("roster_import", Action.UPDATE, DataCategory.IDENTITY)
    return _apply_parents(None, decision, school, parents, today, dry_run, progress, "system")


def _apply_parents(
    actor: User | None,
    decision: Decision,
    school: Organisation,
    parents: list[RosterParent],
    today: date,
    dry_run: bool,
    progress: Progress | None,
    standing: str,
) -> RosterReport:
    errors = check_parents(parents)
    children = dict(
        PupilKey.objects.filter(school=school, child__school=school, child__anonymised_at__isnull=True).values_list(
            "key", "child_id"
        )
    )
    for parent in parents:
        if parent.pupil_key.strip() and parent.pupil_key.strip() not in children:
            errors.append(RowError(parent.row, FIELD_NAMES["pupil_key"], _("No pupil of this school has this key.")))
    if errors:
        raise RosterRefused(sorted(dict.fromkeys(errors), key=lambda e: e.row))

    report = RosterReport(dry_run=dry_run)
    child_ids = sorted({children[p.pupil_key.strip()] for p in parents})
    existing: dict[int, list[Guardianship]] = {}
    for chunk in _in_chunks(child_ids):
        for g in Guardianship.objects.filter(child_id__in=chunk).select_related("user"):
            existing.setdefault(g.child_id, []).append(g)

    def same_person(user: User, parent: RosterParent) -> bool:
        if parent.email and user.email:
            return user.email.strip().lower() == parent.email.strip().lower()
        return (user.first_name.strip().lower(), user.last_name.strip().lower()) == (
            parent.given_name.strip().lower(),
            parent.family_name.strip().lower(),
        )

    try:
        with transaction.atomic():
            in_file: dict[tuple[str, ...], User] = {}
            logged: list[log.LogItem] = []
            total = len(parents)
            for done, parent in enumerate(parents, start=1):
                child_id = children[parent.pupil_key.strip()]
                email = parent.email.strip()
                person = ("e", email.lower()) if email else ("n", parent.given_name.lower(), parent.family_name.lower())
                found = next((g for g in existing.get(child_id, []) if same_person(g.user, parent)), None)
                user = found.user if found else in_file.get(person)
                user_changed = False
                if user is None:
                    user = User(
                        username=f"ouder-{uuid.uuid4().hex[:16]}",
                        first_name=parent.given_name.strip(),
                        last_name=parent.family_name.strip(),
                        email=email,
                    )
                    user.set_unusable_password()
                    user.save()
                    report.parents_added += 1
                elif (user.first_name, user.last_name, user.email.lower()) != (
                    parent.given_name.strip(),
                    parent.family_name.strip(),
                    (email or user.email).lower(),
                ):
                    user.first_name, user.last_name = parent.given_name.strip(), parent.family_name.strip()
                    user.email = email or user.email
                    user.save(update_fields=["first_name", "last_name", "email"])
                    user_changed = True
                in_file[person] = user
                if found is None:
                    found = next((g for g in existing.get(child_id, []) if g.user_id == user.pk), None)
                if found is None:
                    g = Guardianship.objects.create(
                        child_id=child_id, user=user, relation=parent.relation, has_authority=parent.has_authority
                    )
                    existing.setdefault(child_id, []).append(g)
                    item = log.LogItem(child_id, "guardianship", f"roster:{g.pk}")  # logs: update
                    logged.append(item)
                elif (found.relation, found.has_authority) != (parent.relation, parent.has_authority) or user_changed:
                    found.relation, found.has_authority = parent.relation, parent.has_authority
                    found.save(update_fields=["relation", "has_authority"])
                    report.parents_changed += 1
                    item = log.LogItem(child_id, "guardianship", f"roster:{found.pk}")  # logs: update
                    logged.append(item)
                else:
                    report.unchanged += 1
                if progress and (done % BATCH == 0 or done == total):
                    progress(done, total)
            if logged:
                log.log_many(actor, decision, logged)
                record_administration(
                    actor,
                    "roster_parents_import",
                    standing=standing,
                    organisation=school,
                    detail={"added": report.parents_added, "changed": report.parents_changed, "rows": len(parents)},
                )
            if dry_run:
                raise _RollBack
    except _RollBack:
        pass
    return report
