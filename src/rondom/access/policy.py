"""THE access policy: may this user do this action to this part of this child's record, and on what ground?

Deny by default. Every view, API endpoint and service that touches a child's data asks `decide` (or
`require`), and lists of children come only from the list scopes: `children_in_scope` (the children the user may
read something of) and `allowed_children` (those the user may do one action on one category of; lists filter by it
in their query, never by a policy call per row; docs/access-policy.md "The list scope"). All read the same rules
(rondom.access.rules), and tests/test_scope_property.py proves the list scopes equal to `decide`.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import replace
from datetime import date, datetime
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import connection
from django.db.models import Exists, F, OuterRef, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from rondom.accounts.authority import served_municipalities
from rondom.accounts.models import Membership, User
from rondom.consent.models import Consent, Purpose, active_q, active_sql
from rondom.core.access_types import (  # the policy's answer types, importable from here as before
    Basis,
    Decision,
    NotAllowedOnBasis,
)
from rondom.core.categories import DataCategory, mode_of
from rondom.core.grounds import Ground
from rondom.core.roles import PROFESSIONAL_ROLES
from rondom.registry.models import Child, GroupTeacher, Guardianship

from . import grounds, rules
from .models import AccessGrant, EmergencyAccess, TeamMembership


def system_decision(
    rule: str,
    action: str,
    category: str,
    *,
    membership: Membership | None = None,
    consent_id: int | None = None,
    detail: object = "",
) -> Decision:
    """The decision for an access no user's own ground covers, from its named row in `rules.SYSTEM_RULES`: the
    worker or scheduler at work (`escalation_ladder`), the retention job (`retention`, detail = record type), the
    research export (`research_consent`, detail = consent id; `research_legal_basis`, detail = the documented
    basis) and aggregate figures (`monitoring`, `thuiszitter_overview`). `membership` is the role the user acted in
    (None for the system). Raises KeyError for an unknown rule, NotAllowedOnBasis when the row does not allow
    `action` on `category`."""
    row = rules.SYSTEM_RULES[rule]
    basis = Basis(row.ground, row.permissions, membership, consent_id, row.ref.format(detail=detail))
    decision = decide_with((basis,), action, category)
    if not decision.allowed:
        raise NotAllowedOnBasis(f"system rule {rule} does not allow {action} on {category}")
    return decision


def _professional_memberships(user: User, today: date) -> list[Membership]:
    """The user's active professional roles, read once per request (cached on the user object). For roles whose
    ground depends on the municipalities their organisation serves, those are read too (accounts.authority: the
    served list and the gemeente configuration, never the organisation's self-declared kind or municipality)."""
    found = [m for m in user.roles() if m.role in PROFESSIONAL_ROLES]
    legal = [m for m in found if m.role in _MUNICIPAL_TASK_ROLES and not hasattr(m, "served_municipality_ids")]
    if legal:
        served = served_municipalities(m.organisation_id for m in legal)
        for m in legal:
            m.served_municipality_ids = served.get(m.organisation_id, set())  # type: ignore[attr-defined]
    return found


#: Roles whose ground depends on the municipalities their organisation serves.
_MUNICIPAL_TASK_ROLES = (
    frozenset(rules.LEGAL_TASK_RULES) | frozenset(rules.SIGNAL_TASK_RULES) | frozenset(rules.ESCALATION_RULES)
)


def _whole_school(m: Membership) -> bool:
    """Whether the membership's school-role ground covers every pupil of its school (rules.SCHOOL_ROLE_RULES, minus
    the group-bound roles of rules.GROUP_BOUND_SCHOOL_ROLES, which cover only the groups they teach)."""
    return m.role in rules.SCHOOL_ROLE_RULES and m.role not in rules.GROUP_BOUND_SCHOOL_ROLES


def _group_bound(m: Membership) -> bool:
    return m.role in rules.SCHOOL_ROLE_RULES and m.role in rules.GROUP_BOUND_SCHOOL_ROLES


def teaching_q(today: date, prefix: str = "") -> Q:
    """The condition that a `registry.GroupTeacher` row (reached through `prefix`, e.g. "groups_taught__") is in force
    on `today`: valid_from <= today, not ended (ended_on null or later than today), and its group not ended either.
    The same rule as the 'group' part of the per-child read (`_GROUP_SQL`); rules.GROUP_BOUND_SCHOOL_ROLES, issue 15."""
    return (
        Q(**{f"{prefix}valid_from__lte": today})
        & (Q(**{f"{prefix}ended_on__isnull": True}) | Q(**{f"{prefix}ended_on__gt": today}))
        & (Q(**{f"{prefix}group__ended_on__isnull": True}) | Q(**{f"{prefix}group__ended_on__gt": today}))
    )


def groups_taught(memberships: Iterable[Membership], today: date) -> dict[int, set[int]]:
    """The groups (registry.SchoolGroup ids) each group-bound membership (rules.GROUP_BOUND_SCHOOL_ROLES) teaches on
    `today`, by membership id, in one query (none when no membership is group-bound). Only groups of the
    membership's own organisation count. Raises nothing."""
    bound = [m.pk for m in memberships if _group_bound(m)]
    if not bound:
        return {}
    found: dict[int, set[int]] = {}
    rows = GroupTeacher.objects.filter(
        teaching_q(today), membership_id__in=bound, group__school_id=F("membership__organisation_id")
    ).values_list("membership_id", "group_id")
    for membership_id, group_id in rows:
        found.setdefault(membership_id, set()).add(group_id)
    return found


def teachers_of(memberships: QuerySet[Membership], child: Child, today: date) -> QuerySet[Membership]:
    """`memberships` (e.g. the holders of a role at the child's school) without the group-bound ones
    (rules.GROUP_BOUND_SCHOOL_ROLES) that do not teach the child's group on `today`: whom to tell about a child or let
    decide for it, on the same rule as the school-role ground. A lazy queryset (one query when evaluated)."""
    bound = list(rules.GROUP_BOUND_SCHOOL_ROLES)
    if child.school_group_id is None or child.school_id is None:
        return memberships.exclude(role__in=bound)
    taught = Membership.objects.filter(
        teaching_q(today, "groups_taught__"),
        groups_taught__group_id=child.school_group_id,
        groups_taught__group__school_id=child.school_id,
        organisation_id=child.school_id,
    ).values("pk")
    return memberships.filter(~Q(role__in=bound) | Q(pk__in=taught))


def organisation_decision(user: User, organisation_id: int, action: str, category: str) -> Decision:
    """The decision that holds for every current pupil of one school on the user's role there, for bulk work such
    as an absence import: the school-role ground is the same for all of them. A group-bound role
    (rules.GROUP_BOUND_SCHOOL_ROLES: the teacher) holds no ground on the whole school and gets no bulk decision."""
    if not user.is_authenticated or not user.is_active:
        return Decision(False, False, action, category)
    bases = [
        Basis(Ground.SCHOOL_ROLE, rules.SCHOOL_ROLE_RULES[m.role], m, ref="rule:school_role")
        for m in _professional_memberships(user, timezone.localdate())
        if m.organisation_id == organisation_id and _whole_school(m)
    ]
    decision = decide_with(bases, action, category)
    return Decision(decision.allowed, bool(bases), action, category, decision.basis, decision.bases)


def iter_bases(user: User, child: Child, *, now: datetime | None = None) -> Iterator[Basis]:
    """Every ground on which `user` may see something of `child`, lazily and in rules.GROUND_ORDER, so that a
    decision stops reading at the first ground that allows it."""
    if not user.is_authenticated or not user.is_active or child.anonymised_at is not None:
        return
    now = now or timezone.now()
    today = timezone.localdate(now)
    memberships = _professional_memberships(user, today)
    by_id = {m.pk: m for m in memberships}
    read: list[list[Fact]] = []

    def child_facts() -> list[Fact]:  # the one per-child query, read at most once and only when needed
        if not read:
            read.append(_child_facts(child, memberships, user.pk, now, today))
        return read[0]

    at_school = [m for m in memberships if m.organisation_id == child.school_id]
    for m in at_school:
        if _whole_school(m):
            yield Basis(Ground.SCHOOL_ROLE, rules.SCHOOL_ROLE_RULES[m.role], m, ref="rule:school_role")
    for m in at_school:  # a teacher: only the pupils of the groups he or she teaches (rules.GROUP_BOUND_SCHOOL_ROLES)
        if (
            _group_bound(m)
            and child.school_group_id is not None
            and any(kind == "group" and mid == m.pk for kind, mid, *_rest in child_facts())
        ):
            yield Basis(Ground.SCHOOL_ROLE, rules.SCHOOL_ROLE_RULES[m.role], m, ref="rule:group_teacher")
    for m in memberships:
        if m.role in rules.LEGAL_TASK_RULES and child.home_municipality_id in getattr(m, "served_municipality_ids", ()):
            yield Basis(Ground.LEGAL_TASK, rules.LEGAL_TASK_RULES[m.role], m, ref="rule:legal_task")

    # Grounds other apps add (an open absence signal, the escalation ladder): rondom.access.grounds.
    yield from grounds.bases(Ground.LEGAL_TASK, memberships, child, now, today)
    yield from grounds.bases(Ground.ESCALATION, memberships, child, now, today)

    facts = child_facts()

    for kind, membership_id, consent_id, consent_categories, _categories in facts:
        if kind != "team":
            continue
        m = by_id[membership_id]
        perms = rules.TEAM_ROLE_RULES.get(m.role, {})
        if consent_id is None and m.organisation_id != child.school_id:
            continue  # seated as school staff, but the child has changed school since: consent needed now
        if consent_id is not None:
            yield Basis(
                Ground.SUPPORT_TEAM, rules.restrict(perms, consent_categories), m, consent_id, f"consent:{consent_id}"
            )
        else:
            yield Basis(Ground.SUPPORT_TEAM, perms, m, ref="rule:support_team")

    for kind, membership_id, consent_id, consent_categories, categories in facts:
        if kind == "grant" and by_id[membership_id].role in rules.GRANT_ROLES:
            perms = {c: "rw" for c in categories if c in consent_categories}
            perms["identity"] = "r"  # a grant never changes basic details
            yield Basis(Ground.GRANT, perms, by_id[membership_id], consent_id, f"consent:{consent_id}")

    # Registered grounds read in the one query: requests for help (cases), requests to the samenwerkingsverband
    # (swv), warm transfers (transfers). A source that returns the consent's categories (`restricted_by_consent`) is
    # limited to them.
    for ground in (Ground.REQUEST, Ground.SWV_REQUEST, Ground.TRANSFER):
        for source in grounds.fact_sources(ground):
            for kind, membership_id, ref, consent_categories, _c in facts:
                if kind == source.kind:
                    basis = source.basis(by_id[membership_id], ref)
                    if getattr(source, "restricted_by_consent", False):
                        basis = replace(basis, permissions=rules.restrict(basis.permissions, consent_categories))
                    yield basis
        yield from grounds.bases(ground, memberships, child, now, today)

    if any(kind == "parent" for kind, *_rest in facts):
        if child.age_on(today) < rules.YOUTH_DECIDES_ALONE_AGE:
            yield Basis(Ground.PARENT, rules.PARENT_PERMISSIONS, ref="rule:parent_authority")
        else:
            consent = Consent.objects.fitting(child, Purpose.INFORM_PARENTS, on=today).order_by("-id").first()
            if consent is not None:
                perms = rules.restrict(rules.PARENT_PERMISSIONS, consent.categories)
                yield Basis(Ground.PARENT, perms, consent_id=consent.pk, ref=f"consent:{consent.pk}")

    if child.youth_account_id == user.pk and child.age_on(today) >= rules.YOUTH_OWN_ACCESS_AGE:
        yield Basis(Ground.YOUTH, rules.YOUTH_PERMISSIONS, ref="rule:own_record")

    for kind, membership_id, emergency_id, _cc, _c in facts:
        if kind == "emergency" and by_id[membership_id].role in rules.EMERGENCY_ROLES:
            yield Basis(
                Ground.EMERGENCY, rules.EMERGENCY_PERMISSIONS, by_id[membership_id], ref=f"emergency:{emergency_id}"
            )


Fact = tuple[str, int, Any, list[str], list[str]]

#: One SELECT per kind of fact; {ids} becomes a list of %s placeholders, never values.
_FACTS_SQL = (
    "SELECT 'parent', g.user_id, CAST(NULL AS BIGINT), CAST(NULL AS TEXT), CAST(NULL AS TEXT) "
    "FROM registry_guardianship g WHERE g.child_id = %s AND g.user_id = %s AND g.has_authority",
    "SELECT 'team', t.membership_id, t.consent_id, CAST(c.categories AS TEXT), CAST(NULL AS TEXT) "
    "FROM access_teammembership t LEFT JOIN consent_consent c ON c.id = t.consent_id "
    "WHERE t.child_id = %s AND t.membership_id IN ({ids}) AND t.ended_at IS NULL "
    "AND (t.consent_id IS NULL OR ({active}))",
    "SELECT 'grant', a.grantee_id, a.consent_id, CAST(c.categories AS TEXT), CAST(a.categories AS TEXT) "
    "FROM access_accessgrant a JOIN consent_consent c ON c.id = a.consent_id "
    "WHERE a.child_id = %s AND a.grantee_id IN ({ids}) AND a.revoked_at IS NULL "
    "AND a.valid_from <= %s AND a.valid_until > %s AND {active}",
    "SELECT 'emergency', e.membership_id, e.id, CAST(NULL AS TEXT), CAST(NULL AS TEXT) "
    "FROM access_emergencyaccess e WHERE e.child_id = %s AND e.membership_id IN ({ids}) AND e.expires_at > %s",
)
#: The groups a group-bound membership at the child's school teaches today, if one is the child's group
#: (policy.teaching_q is the same rule in the ORM); {ids} as above.
_GROUP_SQL = (
    "SELECT 'group', t.membership_id, t.group_id, CAST(NULL AS TEXT), CAST(NULL AS TEXT) "
    "FROM registry_groupteacher t JOIN registry_schoolgroup g ON g.id = t.group_id "
    "WHERE t.group_id = %s AND g.school_id = %s AND t.membership_id IN ({ids}) AND t.valid_from <= %s "
    "AND (t.ended_on IS NULL OR t.ended_on > %s) AND (g.ended_on IS NULL OR g.ended_on > %s)"
)
#: A registered fact source's rows (rondom.access.grounds.FactSource), in the shape of the parts above.
#: A source with `restricted_by_consent` returns a third column, `categories` (the consent's), read as the rows above.
_SOURCE_SQL = "SELECT '{kind}', f.membership_id, f.ref, {categories}, CAST(NULL AS TEXT) FROM ({part}) f"
#: consent.models.ACTIVE_RULE as SQL on the alias "c", and how many times the day is passed for it.
_ACTIVE_CONSENT_SQL, _ACTIVE_CONSENT_DAYS = active_sql("c")


def _json_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return json.loads(value) if isinstance(value, str) else list(value)


def _child_facts(child: Child, memberships: list[Membership], user_id: int, now: datetime, today: date) -> list[Fact]:
    """Everything besides roles that gives this user a ground on this child, in one query: support-team seats,
    erbij-halen grants, parental authority, emergency access, the child's group when a group-bound membership at the
    child's school teaches it (kind 'group', ref the group id), and the fact sources other apps register
    (rondom.access.grounds: open requests for help). This runs on every request that touches a child, so it is one
    plain SQL statement instead of an ORM query per kind of fact."""
    membership_ids = [m.pk for m in memberships]
    ops = connection.ops
    at, day = ops.adapt_datetimefield_value(now), ops.adapt_datefield_value(today)
    sql = _FACTS_SQL[0]
    params: list[Any] = [child.pk, user_id]
    if membership_ids:
        ids = ", ".join(["%s"] * len(membership_ids))
        sql = " UNION ALL ".join(part.format(ids=ids, active=_ACTIVE_CONSENT_SQL) for part in _FACTS_SQL)
        days = [day] * _ACTIVE_CONSENT_DAYS
        params += [child.pk, *membership_ids, *days]
        params += [child.pk, *membership_ids, at, at, *days]
        params += [child.pk, *membership_ids, at]
        bound = [m.pk for m in memberships if _group_bound(m) and m.organisation_id == child.school_id]
        if bound and child.school_group_id is not None:
            sql += " UNION ALL " + _GROUP_SQL.format(ids=", ".join(["%s"] * len(bound)))
            params += [child.school_group_id, child.school_id, *bound, day, day, day]
        for source in grounds.fact_sources():
            mine = [m.pk for m in memberships if m.role in source.roles]
            if mine and source.kind.isidentifier():
                part = source.sql.format(ids=", ".join(["%s"] * len(mine)), active=_ACTIVE_CONSENT_SQL)
                categories = "CAST(f.categories AS TEXT)" if getattr(source, "restricted_by_consent", False) else None
                sql += " UNION ALL " + _SOURCE_SQL.format(
                    kind=source.kind, part=part, categories=categories or "CAST(NULL AS TEXT)"
                )
                params += source.params(child.pk, mine, at, day)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    return [(kind, mid, ref, _json_list(cc), _json_list(c)) for kind, mid, ref, cc, c in rows]


def bases_for(user: User, child: Child, *, now: datetime | None = None) -> list[Basis]:
    return list(iter_bases(user, child, now=now))


def readable_categories(user: User, child: Child) -> list[str]:
    """Every part of the record the user may read, over all grounds."""
    return sorted({c for b in iter_bases(user, child) for c, m in b.permissions.items() if "r" in m})


def decide(user: User, child: Child, action: str, category: str, *, now: datetime | None = None) -> Decision:
    return decide_with(iter_bases(user, child, now=now), action, category)


def decide_with(bases: Iterable[Basis], action: str, category: str) -> Decision:
    """The decision for one action on one category, from grounds already read (no further queries)."""
    needed = mode_of(action)
    seen: list[Basis] = []
    for basis in bases:
        seen.append(basis)
        if needed in basis.permissions.get(category, ""):
            return Decision(True, True, action, category, basis, tuple(seen))
    in_scope = any(any("r" in m for m in b.permissions.values()) for b in seen)
    return Decision(False, in_scope, action, category, None, tuple(seen))


#: The fields of a child that the policy reads (`iter_bases`, the registered grounds): a list that only decides
#: loads its children with ``Child.objects.only(*POLICY_FIELDS)``.
POLICY_FIELDS = (
    "pk",
    "school_id",
    "school_group_id",
    "home_municipality_id",
    "anonymised_at",
    "youth_account_id",
    "date_of_birth",
)


def decide_many(
    user: User, children: Iterable[Child], action: str, category: str, *, now: datetime | None = None
) -> dict[int, Decision]:
    """`decide` for many children at once, by child id: the same decision as `decide` per child, in a bounded
    number of queries for the usual work lists (issue 14: a page of a work list asks no query per row).

    The grounds that depend only on the user's roles and the child's school, group and home municipality (school
    role, legal task) come first in `iter_bases` and need no query per child (the groups a teacher teaches are read
    once for all children, `groups_taught`); when one of them allows the action, that is the decision `decide` would
    give (it stops at the first ground that allows). Only the other children are decided one by one (`decide`), so
    pass it the children of one page (a list filters by `allowed_children` first), never a whole scope.
    Raises nothing."""
    if not user.is_authenticated or not user.is_active:
        return {child.pk: Decision(False, False, action, category) for child in children}
    now = now or timezone.now()
    memberships = _professional_memberships(user, timezone.localdate(now))
    school_roles = [m for m in memberships if _whole_school(m)]
    bound = [m for m in memberships if _group_bound(m)]
    taught = groups_taught(bound, timezone.localdate(now))
    legal = [m for m in memberships if m.role in rules.LEGAL_TASK_RULES]
    found: dict[int, Decision] = {}
    for child in children:
        if child.pk in found:
            continue
        if child.anonymised_at is None:
            cheap = (
                [
                    Basis(Ground.SCHOOL_ROLE, rules.SCHOOL_ROLE_RULES[m.role], m, ref="rule:school_role")
                    for m in school_roles
                    if m.organisation_id == child.school_id
                ]
                + [
                    Basis(Ground.SCHOOL_ROLE, rules.SCHOOL_ROLE_RULES[m.role], m, ref="rule:group_teacher")
                    for m in bound
                    if m.organisation_id == child.school_id and child.school_group_id in taught.get(m.pk, ())
                ]
                + [
                    Basis(Ground.LEGAL_TASK, rules.LEGAL_TASK_RULES[m.role], m, ref="rule:legal_task")
                    for m in legal
                    if child.home_municipality_id in getattr(m, "served_municipality_ids", ())
                ]
            )
            decision = decide_with(cheap, action, category)
            if decision.allowed:
                found[child.pk] = decision
                continue
        found[child.pk] = decide(user, child, action, category, now=now)
    return found


def require(user: User, child: Child, action: str, category: str) -> Decision:
    """`decide`, raising 404 when the child is outside the user's scope and 403 when the action is not allowed."""
    decision = decide(user, child, action, category)
    if not decision.in_scope:
        raise Http404
    if not decision.allowed:
        raise PermissionDenied
    return decision


def get_child_or_404(user: User, child_id: int | str, action: str, category: str) -> tuple[Child, Decision]:
    try:
        child = Child.objects.select_related("school", "home_municipality", "wijk").get(pk=int(child_id))
    except (Child.DoesNotExist, ValueError, TypeError):
        raise Http404 from None
    return child, require(user, child, action, category)


def children_in_scope(user: User, *, now: datetime | None = None) -> QuerySet[Child]:
    """All children of whom `user` may read something, as one query (the same rules as `bases_for`)."""
    if not user.is_authenticated or not user.is_active:
        return Child.objects.none()
    now = now or timezone.now()
    today = timezone.localdate(now)
    memberships = _professional_memberships(user, today)
    ids = [m.pk for m in memberships]
    q: Any = Q(pk__in=[])

    school_ids = [m.organisation_id for m in memberships if _whole_school(m)]
    if school_ids:
        q |= Q(school_id__in=school_ids)
    by_membership = {m.pk: m for m in memberships}
    for membership_id, group_ids in groups_taught(memberships, today).items():  # a teacher: the own groups only
        q |= Q(school_group_id__in=group_ids, school_id=by_membership[membership_id].organisation_id)
    legal_municipalities = [
        pk for m in memberships if m.role in rules.LEGAL_TASK_RULES for pk in getattr(m, "served_municipality_ids", ())
    ]
    if legal_municipalities:
        q |= Q(home_municipality_id__in=legal_municipalities)
    task_ids = grounds.children(memberships, now, today)  # signals, escalation ladders, requests (other apps)
    if task_ids:
        q |= Q(pk__in=task_ids)
    if ids:
        # Seats, grants, requests and emergencies are few per user: collect their children first, so the search
        # over all children is a plain IN list instead of four correlated subqueries per row.
        seats = TeamMembership.objects.filter(
            membership_id__in=ids, membership__role__in=list(rules.TEAM_ROLE_RULES), ended_at__isnull=True
        )
        with_consent = seats.on_active_consent(today)
        child_ids = set(with_consent.values_list("child_id", flat=True))
        staff_seats: dict[int, set[int]] = {}
        for child_id, organisation_id in seats.filter(consent__isnull=True).values_list(
            "child_id", "membership__organisation_id"
        ):
            staff_seats.setdefault(organisation_id, set()).add(child_id)
        for organisation_id, seated in staff_seats.items():
            q |= Q(pk__in=seated, school_id=organisation_id)
        child_ids |= set(
            AccessGrant.objects.filter(
                grantee_id__in=ids,
                grantee__role__in=list(rules.GRANT_ROLES),
                revoked_at__isnull=True,
                valid_from__lte=now,
                valid_until__gt=now,
            )
            .on_active_consent(today)
            .values_list("child_id", flat=True)
        )
        child_ids |= set(
            EmergencyAccess.objects.filter(
                membership_id__in=ids, membership__role__in=list(rules.EMERGENCY_ROLES), expires_at__gt=now
            ).values_list("child_id", flat=True)
        )
        if child_ids:
            q |= Q(pk__in=child_ids)

    if Guardianship.objects.filter(user=user, has_authority=True).exists():
        sixteen_years_ago = _years_before(today, rules.YOUTH_DECIDES_ALONE_AGE)
        inform_parents = Consent.objects.fitting(OuterRef("pk"), Purpose.INFORM_PARENTS, on=today)
        own = Guardianship.objects.filter(user=user, has_authority=True).values("child_id")
        q |= Q(pk__in=own) & (Q(date_of_birth__gt=sixteen_years_ago) | Exists(inform_parents))
    if Child.objects.filter(youth_account=user).exists():
        q |= Q(youth_account=user, date_of_birth__lte=_years_before(today, rules.YOUTH_OWN_ACCESS_AGE))
    return Child.objects.filter(q, anonymised_at__isnull=True)


def _years_before(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February, to a common year: born on 1 March of it is a year younger (Child.age_on)
        return day.replace(year=day.year - years, day=28)


def allowed_children(user: User, action: str, category: str, *, now: datetime | None = None) -> QuerySet[Child]:
    """The policy's list scope for one action on one data category: exactly the children on whom
    `decide(user, child, action, category, now=now).allowed` is true, as ONE lazy queryset of Child (issue 17: lists
    are built from it, never from a policy call per row). Raises nothing.

    `decide` allows when any ground's basis holds the needed mode ('r' for reads, 'w' for changes,
    core.categories.mode_of) on `category`, so the scope is the union, over the grounds, of the children a basis
    allowing it rests on. Per ground (docs/access-policy.md, "The list scope"):

    - school role (whole school): the schools of the memberships whose rules.SCHOOL_ROLE_RULES row allows it; a
      group-bound role (the teacher) only the groups it teaches today (`groups_taught`);
    - legal task: the home municipalities served by the memberships whose rules.LEGAL_TASK_RULES row allows it;
    - registered providers (open absence signals, the escalation ladder): `provider.children` of the memberships
      whose `provider.permissions(m)` allows it;
    - support-team seats: a staff seat (no consent) only while the child is at the seat holder's school, a seat on
      consent only when the consent is in force and (besides basic details) names `category` (rules.restrict);
    - erbij-halen grants: basic details read, or `category` both granted and consented;
    - registered fact sources (requests for help, SWV requests, warm transfers): `source.children` of the memberships
      whose basis allows it; a source `restricted_by_consent` reads its consents' categories
      (`source.consented(memberships, now, today)`, child id -> categories) for any category but basic details;
    - parental authority: under rules.YOUTH_DECIDES_ALONE_AGE, else the newest fitting inform-parents consent's
      categories; the youth's own record from rules.YOUTH_OWN_ACCESS_AGE (ages by `Child.age_on`);
    - emergency access not yet expired.

    Anonymised children are never in it. Cost: a bounded number of small queries per user (memberships, served
    municipalities, taught groups, seats, grants, fact sources, guardianships, own record, emergencies; a ground no
    membership's rule row allows is not read at all), never one per child; the rows read grow with the user's seats,
    grants and requests, not with the children of a school or municipality. Fallback: a registered provider without
    `permissions`, or a consent-restricted source without `consented`, cannot be answered set-wise; only its own
    children (`children`) are then decided one by one with `decide`."""
    if not user.is_authenticated or not user.is_active:
        return Child.objects.none()
    now = now or timezone.now()
    today = timezone.localdate(now)
    needed = mode_of(action)

    def allows(permissions: Mapping[str, str]) -> bool:
        return needed in permissions.get(category, "")

    memberships = _professional_memberships(user, today)
    by_id = {m.pk: m for m in memberships}
    q: Any = Q(pk__in=[])
    ids: set[int] = set()  # children allowed on a ground read in a small query of its own
    undecided: set[int] = set()  # children of a ground that cannot be answered set-wise: decided one by one

    schools = [m.organisation_id for m in memberships if _whole_school(m) and allows(rules.SCHOOL_ROLE_RULES[m.role])]
    if schools:
        q |= Q(school_id__in=schools)
    teachers = [m for m in memberships if _group_bound(m) and allows(rules.SCHOOL_ROLE_RULES[m.role])]
    for membership_id, group_ids in groups_taught(teachers, today).items():
        q |= Q(school_group_id__in=group_ids, school_id=by_id[membership_id].organisation_id)
    municipalities = {
        pk
        for m in memberships
        if m.role in rules.LEGAL_TASK_RULES and allows(rules.LEGAL_TASK_RULES[m.role])
        for pk in getattr(m, "served_municipality_ids", ())
    }
    if municipalities:
        q |= Q(home_municipality_id__in=municipalities)

    for provider in grounds.providers():
        mine = [m for m in memberships if m.role in provider.roles]
        permissions = getattr(provider, "permissions", None)
        if not mine:
            continue
        if permissions is None:
            undecided |= provider.children(mine, now, today)
            continue
        granting = [m for m in mine if allows(permissions(m))]
        if granting:
            ids |= provider.children(granting, now, today)

    team = [m.pk for m in memberships if allows(rules.TEAM_ROLE_RULES.get(m.role, {}))]
    if team:
        staff_seats: dict[int, set[int]] = {}
        seats = TeamMembership.objects.filter(membership_id__in=team, ended_at__isnull=True).filter(
            Q(consent__isnull=True) | active_q(today, "consent__")
        )
        for child_id, organisation_id, consent_id, consented in seats.values_list(
            "child_id", "membership__organisation_id", "consent_id", "consent__categories"
        ):
            if consent_id is None:
                staff_seats.setdefault(organisation_id, set()).add(child_id)
            elif category == DataCategory.IDENTITY or category in _json_list(consented):  # rules.restrict
                ids.add(child_id)
        for organisation_id, seated in staff_seats.items():
            q |= Q(pk__in=seated, school_id=organisation_id)

    grantees = [m.pk for m in memberships if m.role in rules.GRANT_ROLES]
    if grantees and (category != DataCategory.IDENTITY or needed == "r"):
        grants = AccessGrant.objects.filter(
            grantee_id__in=grantees, revoked_at__isnull=True, valid_from__lte=now, valid_until__gt=now
        ).on_active_consent(today)
        for child_id, granted, consented in grants.values_list("child_id", "categories", "consent__categories"):
            if category == DataCategory.IDENTITY or (
                category in _json_list(granted) and category in _json_list(consented)
            ):
                ids.add(child_id)

    for source in grounds.fact_sources():
        mine = [m for m in memberships if m.role in source.roles]
        if not mine or not source.kind.isidentifier():
            continue
        granting = [m for m in mine if allows(source.basis(m, None).permissions)]
        if not granting:
            continue
        if not getattr(source, "restricted_by_consent", False) or category == DataCategory.IDENTITY:
            ids |= source.children(granting, now, today)
        elif hasattr(source, "consented"):
            for m in granting:  # per membership: few per user
                ids |= {pk for pk, cats in source.consented([m], now, today).items() if category in cats}
        else:
            undecided |= source.children(granting, now, today)

    if allows(rules.PARENT_PERMISSIONS):
        own = Guardianship.objects.filter(user=user, has_authority=True).values_list("child_id", "child__date_of_birth")
        older: list[int] = []
        for child_id, born in own:
            if Child(date_of_birth=born).age_on(today) < rules.YOUTH_DECIDES_ALONE_AGE:
                ids.add(child_id)
            else:
                older.append(child_id)
        if older:
            newest: dict[int, tuple[int, list[str]]] = {}
            fitting = Consent.objects.active(today).filter(child_id__in=older, purpose=Purpose.INFORM_PARENTS)
            for child_id, consent_id, consented in fitting.values_list("child_id", "pk", "categories"):
                if child_id not in newest or consent_id > newest[child_id][0]:
                    newest[child_id] = (consent_id, _json_list(consented))
            ids |= {pk for pk, (_id, cats) in newest.items() if allows(rules.restrict(rules.PARENT_PERMISSIONS, cats))}
    if allows(rules.YOUTH_PERMISSIONS):
        for child_id, born in Child.objects.filter(youth_account=user).values_list("pk", "date_of_birth"):
            if Child(date_of_birth=born).age_on(today) >= rules.YOUTH_OWN_ACCESS_AGE:
                ids.add(child_id)

    rescuers = [m.pk for m in memberships if m.role in rules.EMERGENCY_ROLES]
    if rescuers and allows(rules.EMERGENCY_PERMISSIONS):
        ids |= set(
            EmergencyAccess.objects.filter(membership_id__in=rescuers, expires_at__gt=now).values_list(
                "child_id", flat=True
            )
        )

    undecided -= ids
    if undecided:
        for child in Child.objects.filter(pk__in=undecided, anonymised_at__isnull=True).only(*POLICY_FIELDS):
            if decide(user, child, action, category, now=now).allowed:
                ids.add(child.pk)
    if ids:
        q |= Q(pk__in=ids)
    return Child.objects.filter(q, anonymised_at__isnull=True)
