"""The parts of a child's record the access policy speaks about, and the actions on them."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class DataCategory(models.TextChoices):
    IDENTITY = "identity", _("Basic details")
    SUPPORT = "support", _("Support at school")
    ABSENCE = "absence", _("Absence")
    HEALTH = "health", _("Health (JGZ)")
    YOUTH_CARE = "youth_care", _("Youth care")


class Action(models.TextChoices):
    CREATE = "create", _("create")
    READ = "read", _("read")
    UPDATE = "update", _("update")
    DELETE = "delete", _("delete")
    SEARCH = "search", _("search")
    EXPORT = "export", _("export")
    PRINT = "print", _("print")


READ_ACTIONS = frozenset({Action.READ, Action.SEARCH, Action.EXPORT, Action.PRINT})
WRITE_ACTIONS = frozenset({Action.CREATE, Action.UPDATE, Action.DELETE})

R = "r"
W = "w"


def mode_of(action: str) -> str:
    """Reads need 'r', changes need 'w' in the policy tables."""
    return W if action in WRITE_ACTIONS else R
