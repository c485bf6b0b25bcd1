"""Optimistic concurrency for every record a person edits: a version number, checked and raised atomically.

A writer names the version it read (API: ``If-Match: "<n>"`` or a ``version`` field; forms: a hidden field).
The write is one ``UPDATE … SET version = version + 1 WHERE pk = … AND version = n``: of two writers that read
the same version exactly one wins; the other gets :class:`Conflict` (rondom.core.errors; HTTP 409) with the
current version and the fields whose stored value differs from what it sent, and nothing of theirs is written.
Pattern of the plan (rondom.cases.services.save_plan) and the note (rondom.registry.services.update_note);
RFC 9110 §13.1.1 for ``If-Match`` and ``ETag``.
"""

from __future__ import annotations

import re
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F
from django.utils.translation import gettext as _

from rondom.core.errors import Conflict

__all__ = ["Conflict", "differing_fields", "etag", "requested_version", "save_versioned"]

_ETAG = re.compile(r'^\s*(?:W/)?"?(\d{1,9})"?\s*$')


def etag(version: int) -> str:
    """The strong ETag of a record's version, e.g. ``'"3"'`` (RFC 9110 §8.8.3)."""
    return f'"{int(version)}"'


def requested_version(header: str | None, body_value: Any) -> int:
    """The version the writer read: from ``If-Match`` (``"3"``, ``W/"3"`` or ``3``) and/or the body's ``version``.

    Raises ValidationError({"version": …}) when neither is given, a value is not a version number, or both are
    given and name different versions (the writer is confused about what it read; guessing which one it meant
    could overwrite someone else's change). A write without a version could silently overwrite a change too.
    """
    from_header: int | None = None
    if header:
        match = _ETAG.match(header)
        if match is None:
            raise ValidationError({"version": _('If-Match must hold the ETag (version) you read, e.g. "3".')})
        from_header = int(match.group(1))
    from_body = None if body_value is None or body_value == "" else _body_version(body_value)
    if from_header is not None and from_body is not None and from_header != from_body:
        raise ValidationError(
            {"version": _("If-Match and the field version name different versions: send one, or the same.")}
        )
    if from_header is not None:
        return from_header
    if from_body is None:
        raise ValidationError({"version": _("Send the version you read (the ETag, in If-Match or the field version).")})
    return from_body


def _body_version(body_value: Any) -> int:
    try:
        value = int(body_value)
    except (TypeError, ValueError):
        raise ValidationError({"version": _("The version must be a whole number.")}) from None
    if value < 0:
        raise ValidationError({"version": _("The version must be a whole number.")})
    return value


def differing_fields(current: models.Model, submitted: dict[str, Any]) -> list[dict[str, Any]]:
    """The submitted fields whose stored value is different now, as ``[{"field": name}]`` (sorted by name)."""
    changes = []
    for name in sorted(submitted):
        stored = getattr(current, f"{name}_id", None) if _is_relation(current, name) else getattr(current, name, None)
        value = submitted[name]
        value = getattr(value, "pk", value)
        if stored != value:
            changes.append({"field": name})
    return changes


def _is_relation(instance: models.Model, name: str) -> bool:
    try:
        return instance._meta.get_field(name).is_relation
    except Exception:
        return False


def save_versioned(
    instance: models.Model, version: int, fields: dict[str, Any], *, submitted: dict[str, Any] | None = None
) -> None:
    """Write ``fields`` to ``instance`` if its stored version is still ``version``, raising the version by one.

    One UPDATE with the version in its WHERE clause, so it is atomic on SQLite and PostgreSQL without a lock.
    On success ``instance`` holds the new values and version; otherwise :class:`Conflict` is raised (with the
    fields of ``submitted`` — default ``fields`` — that differ now) and nothing is written. Call inside the
    service's transaction.
    """
    model = type(instance)
    updates = dict(fields)
    if any(f.name == "updated_at" for f in model._meta.get_fields()):
        from django.utils import timezone

        updates.setdefault("updated_at", timezone.now())
    column_updates = {(f"{k}_id" if _is_relation(instance, k) else k): getattr(v, "pk", v) for k, v in updates.items()}
    changed = model._default_manager.filter(pk=instance.pk, version=version).update(
        version=F("version") + 1, **column_updates
    )
    if not changed:
        current = model._default_manager.filter(pk=instance.pk).first()
        if current is None:
            raise Conflict(None, [])
        raise Conflict(current.version, differing_fields(current, submitted if submitted is not None else fields))  # type: ignore[attr-defined]
    for name, value in updates.items():
        setattr(instance, name, value)
    instance.version = version + 1  # type: ignore[attr-defined]
