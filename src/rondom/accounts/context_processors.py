from __future__ import annotations

from functools import partial
from typing import Any

from django.http import HttpRequest

from rondom.access.rules import EMERGENCY_ROLES
from rondom.accounts.permissions import is_verified
from rondom.attendance.services import may_import_absence
from rondom.cases.selectors import social_work_membership
from rondom.funding.monitoring import may_see_monitoring
from rondom.funding.services import may_see_werkplans
from rondom.notifications.services import unread_count


def roles(request: HttpRequest) -> dict[str, Any]:
    """What the navigation may offer: for a page whose view checks a task right, the flag is that same predicate
    (given as a callable, so the template asks only for the links it draws), so that the menu never offers a page
    that answers 403. Pages without a check of their own (lists that show what the user may see) go by role."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or not is_verified(user):
        # Logged out, or a professional before the second factor: no page opens yet, so the menu offers none.
        return {
            "nav_open": False,
            "can_use_emergency": False,
            "can_run_cases": False,
            "is_provider_contact": False,
            "is_social_worker": False,
            "can_import_absence": False,
            "sees_absence_signals": False,
            "sees_thuiszitters": False,
            "unread_notifications": 0,
            "sees_monitoring": False,
            "sees_werkplans": False,
        }
    return {
        "nav_open": True,
        "can_use_emergency": user.has_role(*EMERGENCY_ROLES),
        "can_run_cases": user.has_role("intern_begeleider", "zorgcoordinator"),
        "is_provider_contact": user.has_role("provider_contact", "school_social_worker", "wijkteam_worker"),
        "is_social_worker": social_work_membership(user) is not None,
        "can_import_absence": partial(may_import_absence, user),
        "sees_absence_signals": user.has_role("leerplicht_officer", "youth_doctor"),
        "sees_thuiszitters": user.has_role(
            "leerplicht_officer", "intern_begeleider", "zorgcoordinator", "policy_officer", "wijkteam_worker"
        ),
        "unread_notifications": unread_count(user),
        "sees_monitoring": partial(may_see_monitoring, user),
        "sees_werkplans": partial(may_see_werkplans, user),
    }
