"""A capability of the models that hold access on a family's consent (in the spirit of Primero's
`app/models/concerns/`): a support-team seat (access.TeamMembership), an erbij-halen grant (access.AccessGrant) and
a request for help (cases.HelpRequest). Each has a `consent` foreign key; the access it gives lasts only while that
consent is in force (consent.models.ACTIVE_RULE). No fields: mixing it in changes no schema.

    class AccessGrant(ConsentBacked, models.Model):
        consent = models.ForeignKey("consent.Consent", ...)
        objects = ConsentBackedQuerySet.as_manager()

    AccessGrant.objects.on_active_consent(today)      # the rows whose consent is in force today
    grant.consent_active(today)                        # one row
"""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, Any, TypeVar

from django.db import models
from django.utils import timezone

from .models import active_q

if TYPE_CHECKING:
    from .models import Consent

_M = TypeVar("_M", bound=models.Model)


class ConsentBackedQuerySet(models.QuerySet[_M]):
    """Queryset methods of a consent-backed model."""

    def on_active_consent(self, on: date | None = None) -> ConsentBackedQuerySet[_M]:
        """The rows whose consent is in force on `on` (default: today); rows without a consent are left out."""
        return self.filter(consent__isnull=False).filter(active_q(on or timezone.localdate(), prefix="consent__"))


class ConsentBacked:
    """Mixin for a model with a `consent` foreign key whose access ends when the consent ends.

    `holder`: the path from a row to the `accounts.Membership` that holds the access (e.g. "grantee");
    `holding_q(now)`: the rows that give access at `now` apart from their consent (not ended, revoked or joined).
    Together they say who loses access when a consent is withdrawn (records.consent.withdraw_consent)."""

    consent: Consent | None
    consent_id: Any
    holder: str

    if TYPE_CHECKING:

        @classmethod
        def holding_q(cls, now: datetime) -> models.Q:
            """The rows that, apart from their consent, give access at `now`. Every consent-backed model says its
            own."""

    def __init_subclass__(cls, **kwargs: Any) -> None:
        """A consent-backed model that does not say who holds its access, or which rows give it, is refused when
        its class is made (at start-up), not when a family's withdrawal needs the answer.

        Raises TypeError naming the class."""
        super().__init_subclass__(**kwargs)
        if not isinstance(getattr(cls, "holder", None), str) or not cls.holder:
            raise TypeError(f"{cls.__name__} is consent-backed but names no `holder` (the path to the Membership)")
        if not callable(getattr(cls, "holding_q", None)):
            raise TypeError(f"{cls.__name__} is consent-backed but has no `holding_q(now)` classmethod")

    def consent_active(self, on: date | None = None) -> bool:
        """Whether the consent this row rests on is in force on `on` (default: today); False without one."""
        return self.consent is not None and self.consent.is_active(on)
