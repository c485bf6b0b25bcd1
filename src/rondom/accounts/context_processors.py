from __future__ import annotations

from functools import partial
from typing import Any

from django.http import HttpRequest

from rondom.access import tasks
from rondom.accounts.permissions import is_verified
from rondom.cases.meetings import open_action_count
from rondom.notifications.services import unread_count
from rondom.registry.views import child_list_title

#: Menu flag -> the task right behind the page it links to (access.tasks; one flag per task). The menu asks the same
#: question as the page, so it never offers a page that answers 403.
MENU_TASKS: dict[str, str] = {
    "can_run_cases": "run_cases",
    "can_manage_team": "manage_team",
    "can_own_actions": "own_actions",
    "can_rate_providers": "rate_providers",
    "is_social_worker": "log_social_work",
    "is_provider_contact": "answer_help_requests",
    "works_swv_requests": "work_swv_requests",
    "can_import_absence": "import_absence",
    "can_import_roster": "import_roster",
    "sees_absence_signals": "see_absence_signals",
    "sees_thuiszitters": "see_thuiszitters",
    "sees_monitoring": "see_monitoring",
    "sees_werkplans": "approve_werkplan",
    "can_use_emergency": "use_emergency_access",
    "can_manage_staff": "manage_staff",
    "can_keep_team": "keep_support_team",
    "can_keep_contacts": "keep_provider_contacts",
    "can_manage_api_clients": "manage_api_clients",
}


def roles(request: HttpRequest) -> dict[str, Any]:
    """What the navigation may offer: one flag per task right (`MENU_TASKS`), each `tasks.may` for the page's task
    (given as a callable, so the template asks only for the links it draws), and the children list's label for the
    user's role (`children_menu_label`)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or not is_verified(user):
        # Logged out, or a professional before the second factor: no page opens yet, so the menu offers none.
        return {
            "nav_open": False,
            "unread_notifications": 0,
            "children_menu_label": "",
            "open_action_count": 0,
            **dict.fromkeys(MENU_TASKS, False),
        }
    return {
        "nav_open": True,
        # The children list's name fits the role: "Mijn leerlingen" for school staff, "Leerlingen" for a provider,
        # the gemeente, leerplicht or the youth doctor (issue 14, point 9).
        "children_menu_label": partial(child_list_title, user),
        "unread_notifications": unread_count(user),
        # Asked only where the menu draws the "My actions" link (a callable: the template calls it).
        "open_action_count": partial(open_action_count, user),
        **{flag: partial(tasks.may, user, task) for flag, task in MENU_TASKS.items()},
    }
