"""The hooks that queue school-months for the rollup refresh (rollup.mark_dirty) when a fact is saved: a goal
evaluation, a questionnaire answer, a case (its state, closure, team), a case status, a help request, a school
move, and a child changing school (its goal scores count at its school). Each hook asks the fact's own `Source`
which school-months the row counts in — before the save (the old place) and after it (the new) — so it marks
exactly what the rollup would count, by the same rule.

Absence is marked by the importer (attendance.importer), deletions by retention (retention.services); rows changed
with QuerySet.update/bulk_create/delete pass no hook: `manage.py rebuild_rollups` repairs after such work."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db.models import Model
from django.db.models.signals import post_save, pre_save

from rondom.cases.models import Case, CaseStatus, GoalEvaluation, HelpRequest
from rondom.feedback.models import FeedbackResponse
from rondom.registry.models import Child, SchoolMove
from rondom.rollups import Pair

Pairs = set[Pair]


def _of(*parts: tuple[str, str]) -> Callable[[Model], Pairs]:
    """School-months of the facts (fact name, lookup naming this instance's pk) an instance counts in."""

    def pairs(instance: Model) -> Pairs:
        from . import rollup  # not while the apps load (AppConfig.ready connects these hooks)

        found: Pairs = set()
        for fact, lookup in parts:
            found |= rollup.SOURCES[fact].pairs(**{lookup: instance.pk})
        return found

    return pairs


#: model -> (why, the school-months an instance of it counts in)
HOOKS: dict[type[Model], tuple[str, Callable[[Model], Pairs]]] = {
    GoalEvaluation: ("plan evaluation", _of(("goals", "pk"))),
    FeedbackResponse: ("feedback answer", _of(("helps", "pk"), ("wellbeing", "pk"))),
    Case: ("case change", _of(("solved", "pk"), ("brought_in", "case_id"))),
    CaseStatus: ("case status", _of(("solved", "status_id"))),
    HelpRequest: ("help request", _of(("brought_in", "pk"))),
    SchoolMove: ("school move", _of(("drop_out", "pk"), ("down", "pk"))),
}


def _before(sender: type[Model], instance: Model, raw: bool = False, **kwargs: Any) -> None:
    if raw or instance._state.adding or instance.pk is None:
        return
    instance._rollup_before = HOOKS[sender][1](instance)  # type: ignore[attr-defined]


def _after(sender: type[Model], instance: Model, raw: bool = False, **kwargs: Any) -> None:
    if raw:
        return
    from . import rollup

    why, pairs = HOOKS[sender]
    found = pairs(instance) | getattr(instance, "_rollup_before", set())
    rollup.mark_dirty(found, why)


def _child_before(
    sender: type[Model], instance: Child, raw: bool = False, update_fields: Any = None, **kwargs: Any
) -> None:
    if raw or instance._state.adding or instance.pk is None:
        return
    if update_fields is not None and "school" not in update_fields and "school_id" not in update_fields:
        return  # a save of other fields (the roster, anonymisation) cannot move the child's goal scores
    instance._rollup_school = Child.objects.filter(pk=instance.pk).values_list("school_id", flat=True).first()  # type: ignore[attr-defined]


def _child_after(sender: type[Model], instance: Child, raw: bool = False, **kwargs: Any) -> None:
    """A child's goal scores count at its current school: a move changes the months of both schools."""
    before = getattr(instance, "_rollup_school", instance.school_id)
    if raw or before == instance.school_id:
        return
    from . import rollup

    months = {m for _s, m in rollup.SOURCES["goals"].pairs(plan__child_id=instance.pk)}
    rollup.mark_dirty({(s, m) for s in (before, instance.school_id) if s is not None for m in months}, "school change")


def connect() -> None:
    for model in HOOKS:
        pre_save.connect(_before, sender=model, dispatch_uid=f"rollup-before-{model.__name__}")
        post_save.connect(_after, sender=model, dispatch_uid=f"rollup-after-{model.__name__}")
    pre_save.connect(_child_before, sender=Child, dispatch_uid="rollup-before-child")
    post_save.connect(_child_after, sender=Child, dispatch_uid="rollup-after-child")
