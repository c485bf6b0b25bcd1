"""Retention per record type, as a table. The years are configuration (settings.RETENTION_YEARS,
overridable with RONDOM_RETENTION_YEARS); what a period counts from and what happens when it ends is here."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class RetentionPolicy:
    record_type: str
    description: str
    counts_from: str
    action: str  # "delete" or "anonymise"


POLICIES: tuple[RetentionPolicy, ...] = (
    RetentionPolicy("note.youth_care", "Youth-care entries", "the end of youth care", "delete"),
    RetentionPolicy("note.health", "Health (JGZ) entries", "the last change of the entry", "delete"),
    RetentionPolicy("note.support", "Support-at-school entries", "the last change of the entry", "delete"),
    RetentionPolicy("note.absence", "Absence entries", "the last change of the entry", "delete"),
    RetentionPolicy("consent", "Consent records", "the end of the consent (withdrawn or expired)", "delete"),
    RetentionPolicy(
        "child",
        "The child's basic details",
        "leaving school and the end of youth care, once no entries are left",
        "anonymise",
    ),
)
