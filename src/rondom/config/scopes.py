"""The scopes a machine client (OAuth2 client credentials) may hold: the one table (issue 15, part 5).

Each scope names one kind of call a school system, samenwerkingsverband system or municipal system may make on
the API, always for the one organisation its client is bound to (`rondom.apiclients.models.ApiClient.organisation`):

==================== ==================================================================================
scope                what it allows
==================== ==================================================================================
absence:write        post absence records for the own school (POST /api/absence/)
requests:read        read the requests for help addressed to the own organisation
monitoring:read      read monitoring aggregates (figures, no child named)
thuiszitters:read    read the thuiszitter register of the own organisation's children
signals:read         read absence signals addressed to the own organisation
signals:write        mark an absence signal handled
thuiszitters:write   record a step on a thuiszitter's escalation ladder
funding:read         read the allocation round and the pilot register
feedback:read        read feedback aggregates
feedback:write       answer a questionnaire about the help
notifications:read   read the notifications of the client's own account (and mark them read)
==================== ==================================================================================

An API view says which scopes a call needs with ``required_scopes = ["absence:write"]`` (django-oauth-toolkit's
convention); `rondom.accounts.permissions.IsVerifiedUser` refuses a client token without them (403) and refuses
a client token on a view that declares none (deny by default). A scope never widens what the client's service
account may see: the access policy still decides per child, on the role of the client's membership.
"""

from __future__ import annotations

from django.utils.translation import gettext_noop as _

#: scope -> what it allows, in English source text (marked for translation; shown translated on the beheerder's page,
#: as is in the OpenAPI schema). Plain strings: the settings read this table before translations are loaded.
SCOPES: dict[str, str] = {
    "absence:write": _("Post absence for our school"),
    "requests:read": _("Read requests for help addressed to our organisation"),
    "monitoring:read": _("Read monitoring aggregates"),
    "thuiszitters:read": _("Read the thuiszitter register"),
    "signals:read": _("Read absence signals"),
    "signals:write": _("Mark absence signals handled"),
    "thuiszitters:write": _("Record steps on the thuiszitter escalation ladder"),
    "funding:read": _("Read the allocation round and the pilot register"),
    "feedback:read": _("Read feedback aggregates"),
    "feedback:write": _("Answer questionnaires about the help"),
    "notifications:read": _("Read notifications"),
}

ABSENCE_WRITE = "absence:write"


def oauth_scopes() -> dict[str, str]:
    """The table as django-oauth-toolkit's ``OAUTH2_PROVIDER["SCOPES"]`` and drf-spectacular's ``OAUTH2_SCOPES``
    want it: scope -> description (plain strings, English source text). Raises nothing."""
    return dict(SCOPES)
