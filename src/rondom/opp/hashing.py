"""The content hash that ties an instemming to exactly what was shown (issue 16: "the consent records exactly which
version was agreed (a content hash)"). SHA-256 over a canonical JSON text (sorted keys, no spaces, UTF-8), so the
same content always gives the same hash on every database and Python version, and any change gives another."""

from __future__ import annotations

import hashlib
import json
from typing import Any


def canonical(value: Any) -> str:
    """The canonical JSON text of `value` (dicts, lists, str, int, bool, None): sorted keys, compact separators,
    non-ASCII kept as is. Raises TypeError for a value JSON cannot hold."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def content_hash(value: Any) -> str:
    """The SHA-256 of `canonical(value)`, as 64 lowercase hex digits."""
    return hashlib.sha256(canonical(value).encode("utf-8")).hexdigest()


def handelingsdeel_of(content: dict[str, Any]) -> dict[str, Any]:
    """What the parents consent to in a plan version's `content` (cases.Plan.content / PlanVersion.content): the
    handelingsdeel rows of the OPP and the goals they serve. The rest of the OPP (uitstroombestemming and its
    reasoning) is discussed with the parents but is not subject to instemming (WPO art. 40a lid 3)."""
    opp = content.get("opp") or {}
    return {"handelingsdeel": opp.get("handelingsdeel", []), "goals": content.get("goals", [])}


def handelingsdeel_hash(content: dict[str, Any]) -> str:
    """The hash an instemming with this plan version's handelingsdeel records."""
    return content_hash(handelingsdeel_of(content))


def minutes_hash(minutes: str) -> str:
    """The hash an instemming with the minutes of an agenda item records (the text exactly as shown)."""
    return content_hash({"minutes": minutes})
