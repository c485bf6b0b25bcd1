from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from rondom.access.rules import EMERGENCY_ROLES


def roles(request: HttpRequest) -> dict[str, Any]:
    """What the navigation may offer; the views check again."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {
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
    from rondom.notifications.services import unread_count

    return {
        "can_use_emergency": user.has_role(*EMERGENCY_ROLES),
        "can_run_cases": user.has_role("intern_begeleider", "zorgcoordinator"),
        "is_provider_contact": user.has_role("provider_contact", "school_social_worker", "wijkteam_worker"),
        "is_social_worker": user.has_role("school_social_worker"),
        "can_import_absence": user.has_role("functional_admin"),
        "sees_absence_signals": user.has_role("leerplicht_officer", "youth_doctor"),
        "sees_thuiszitters": user.has_role(
            "leerplicht_officer", "intern_begeleider", "zorgcoordinator", "policy_officer", "wijkteam_worker"
        ),
        "unread_notifications": unread_count(user),
        "sees_monitoring": user.has_role("policy_officer"),
        "sees_werkplans": user.has_role("intern_begeleider", "zorgcoordinator", "wijkteam_worker"),
    }
