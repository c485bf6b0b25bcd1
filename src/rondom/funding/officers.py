"""The policy officers that funding and monitoring serve: which municipalities a policy officer acts for
(`municipalities_of`: the allocation round, the monitoring's figures) and who is the gemeente's own policy officer
(`municipality_officer`: the pilot budget, the research key). Both are task rights of the one table
(access.tasks); here funding asks them without importing monitoring, and monitoring (which reads funding) asks the
same ones."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied

from rondom.access import tasks
from rondom.accounts.models import User


def municipalities_of(user: User) -> set[int]:
    """The municipalities whose figures this user may see: task right `see_monitoring` (access.tasks), policy staff
    of a municipality (by configuration only: the municipalities it is the gemeente of) or of a school board or SWV
    (created only by the gemeente's administrator or the platform: the municipality it belongs to).

    Raises PermissionDenied when there are none."""
    found = {pk for m, holder in tasks.holdings(user, "see_monitoring") for pk in tasks.reach(m, holder.scope)}
    if not found:
        raise PermissionDenied
    return found


def municipality_officer(user: User) -> Any:
    """The user's membership as policy officer of a municipality (the key holder, the budget keeper), or None:
    task right `keep_budget` (access.tasks, scope GEMEENTE).

    Only an organisation the platform administrator configured as the gemeente counts
    (accounts.MunicipalityOrganisation): an organisation's own kind "municipality" gives no authority (issue 12,
    finding 1)."""
    return next(iter(tasks.memberships(user, "keep_budget")), None)
