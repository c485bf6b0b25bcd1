"""The case workflow as a table a domain expert can read (after Signalen's workflow.py).

Each allowed change of state names why it exists. Anything not in the table is refused. History is kept by
appending a CaseStatus row for every change; nothing is overwritten.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class State(models.TextChoices):
    REGISTERED = "registered", _("Registered")  # aangemeld
    IN_DISCUSSION = "in_discussion", _("In discussion")  # in bespreking
    PLAN_ACTIVE = "plan_active", _("Plan active")  # plan actief
    EVALUATION = "evaluation", _("Evaluation")  # evaluatie
    SCALED_DOWN = "scaled_down", _("Scaled down")  # afgeschaald
    ON_HOLD = "on_hold", _("On hold")  # aangehouden
    CLOSED = "closed", _("Closed")  # afgesloten
    REOPENED = "reopened", _("Reopened")  # heropend


S = State

#: from-state -> {to-state: why this step exists}
TRANSITIONS: dict[str, dict[str, str]] = {
    S.REGISTERED: {
        S.IN_DISCUSSION: "The support team takes up the request.",
        S.ON_HOLD: "The team needs something first (say what, and until when).",
        S.CLOSED: "Refused by the team (with reasons) or withdrawn by the family.",
    },
    S.IN_DISCUSSION: {
        S.PLAN_ACTIVE: "The team and the family agreed on a plan.",
        S.ON_HOLD: "The team needs something first (say what, and until when).",
        S.CLOSED: "Solved in the discussion, or refused with reasons.",
    },
    S.PLAN_ACTIVE: {
        S.EVALUATION: "An evaluation moment has come.",
        S.ON_HOLD: "The plan pauses (say why, and until when).",
    },
    S.EVALUATION: {
        S.PLAN_ACTIVE: "Continue or scale up: the plan goes on, adjusted.",
        S.SCALED_DOWN: "Scale down as soon as possible: less help is needed.",
        S.CLOSED: "The goals are met.",
    },
    S.SCALED_DOWN: {
        S.EVALUATION: "Evaluate the lighter support.",
        S.CLOSED: "The goals are met.",
    },
    S.ON_HOLD: {
        S.IN_DISCUSSION: "What was waited for has come.",
        S.PLAN_ACTIVE: "The plan resumes.",
        S.CLOSED: "Closed while on hold (say why).",
    },
    S.CLOSED: {
        S.REOPENED: "New worries about the same child and question.",
    },
    S.REOPENED: {
        S.IN_DISCUSSION: "The support team takes the case up again.",
        S.CLOSED: "Reopened by mistake or solved at once.",
    },
}

#: The task right (access.tasks) each change needs, next to the table above (a test keeps both the same shape):
#: closing a case ends the help brought in, and reopening a closed case is the school's own decision, not the same
#: right as moving a case along (taking it up, planning, evaluating, scaling down, putting it on hold).
MOVE, CLOSE, REOPEN = "move_case", "close_case", "reopen_case"
TASK_RIGHTS: dict[str, dict[str, str]] = {
    S.REGISTERED: {S.IN_DISCUSSION: MOVE, S.ON_HOLD: MOVE, S.CLOSED: CLOSE},
    S.IN_DISCUSSION: {S.PLAN_ACTIVE: MOVE, S.ON_HOLD: MOVE, S.CLOSED: CLOSE},
    S.PLAN_ACTIVE: {S.EVALUATION: MOVE, S.ON_HOLD: MOVE},
    S.EVALUATION: {S.PLAN_ACTIVE: MOVE, S.SCALED_DOWN: MOVE, S.CLOSED: CLOSE},
    S.SCALED_DOWN: {S.EVALUATION: MOVE, S.CLOSED: CLOSE},
    S.ON_HOLD: {S.IN_DISCUSSION: MOVE, S.PLAN_ACTIVE: MOVE, S.CLOSED: CLOSE},
    S.CLOSED: {S.REOPENED: REOPEN},
    S.REOPENED: {S.IN_DISCUSSION: MOVE, S.CLOSED: CLOSE},
}

#: Changes that need a written reason.
NEEDS_REASON = frozenset({S.ON_HOLD, S.CLOSED, S.REOPENED})
#: Going on hold needs a date until when.
NEEDS_UNTIL = frozenset({S.ON_HOLD})
#: States in which the case is open (help may be brought in).
OPEN_STATES = frozenset(set(S.values) - {S.CLOSED})


def allowed(from_state: str, to_state: str) -> bool:
    return to_state in TRANSITIONS.get(from_state, {})


def next_states(from_state: str) -> list[str]:
    return list(TRANSITIONS.get(from_state, {}))


def task_right(from_state: str, to_state: str) -> str:
    """The task right (access.tasks) a change needs; KeyError for a change that is not in the table."""
    return TASK_RIGHTS[from_state][to_state]
