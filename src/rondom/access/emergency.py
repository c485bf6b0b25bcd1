"""The rules around the emergency button (noodknop) besides the access it gives: a reason of real words, a rate
limit and a daily cap per person, only for children the user's organisation could plausibly serve, who is told,
and who reviews. Source: issue 12, finding 2 (a security probe opened 154 files in 15 minutes with junk reasons);
docs/access-policy.md, "Emergency access".
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from rondom.access import tasks
from rondom.accounts import authority
from rondom.accounts.models import Membership, User
from rondom.core.errors import LimitReached
from rondom.registry.models import Child

from .models import EmergencyAccess

#: Letters only (any script), two or more in a row: what counts as a word in a reason.
_WORD = re.compile(r"[^\W\d_]{2,}")
#: Whitespace a textarea sends; every other control or format character is refused.
_ALLOWED_CONTROL = frozenset("\n\r\t")
#: Vowels, after accents are taken off (é -> e, ï -> i); y counts, as in "party" and the Dutch "y" of names.
_VOWELS = frozenset("aeiouy")
#: An abbreviation such as GGD, VT or BSN: up to this many capitals, exempt from the vowel rule.
_ABBREVIATION_MAX = 5
#: The letter rows of a QWERTY keyboard; three neighbours of a row in a word, either way, look like mash.
_KEYBOARD_ROWS = ("qwertyuiop", "asdfghjkl", "zxcvbnm")
_KEYBOARD_TRIGRAMS = frozenset(
    row[i : i + 3] for base in _KEYBOARD_ROWS for row in (base, base[::-1]) for i in range(len(row) - 2)
)
#: Most words of a real sentence have a vowel; at most this share may go without (abbreviations not counted).
MAX_VOWELLESS_SHARE = 0.2
#: At least this share of the words has three or more letters (Dutch has many two-letter words: de, en, is, ik).
MIN_LONG_WORD_SHARE = 0.4
#: At most this share of the words may hold a keyboard-row trigram ("wer" in "werk" is fine; qwe rty dfg is not).
MAX_KEYBOARD_SHARE = 0.5
#: The roles at the child's school told at once that the button was used for one of its pupils.
SCHOOL_CARE_ROLES = tasks.roles_of("hear_of_emergency_use")
#: The roles that review the uses of their own organisation.
REVIEWER_ROLES = tasks.roles_of("review_emergency_use")


class EmergencyLimitReached(LimitReached):
    """The person pressed the button as often as allowed in the window; the API answers 429 with ``message`` (a
    ``LimitReached``, rondom.core.errors)."""


def _bare(word: str) -> str:
    """The word in lower case without accents (NFD, combining marks dropped): "Suïcidale" -> "suicidale"."""
    return "".join(ch for ch in unicodedata.normalize("NFD", word.lower()) if not unicodedata.combining(ch))


def _looks_like_mash(raw_words: list[str]) -> bool:
    """Keyboard mash rather than words, without a dictionary: too many words without a vowel (MAX_VOWELLESS_SHARE;
    abbreviations in capitals such as GGD not counted), too few words of three or more letters
    (MIN_LONG_WORD_SHARE), or too many words holding three neighbouring keys of a keyboard row
    (MAX_KEYBOARD_SHARE). Thresholds chosen so that real Dutch reasons pass (see the access tests)."""
    words = [_bare(w) for w in raw_words]
    vowelless = sum(
        1
        for raw, w in zip(raw_words, words, strict=True)
        if not (raw.isupper() and len(raw) <= _ABBREVIATION_MAX) and not set(w) & _VOWELS
    )
    long_words = sum(1 for w in words if len(w) >= 3)
    keyboard = sum(1 for w in words if any(w[i : i + 3] in _KEYBOARD_TRIGRAMS for i in range(len(w) - 2)))
    return (
        vowelless > MAX_VOWELLESS_SHARE * len(words)
        or long_words < MIN_LONG_WORD_SHARE * len(words)
        or keyboard > MAX_KEYBOARD_SHARE * len(words)
    )


def reason_errors(reason: str) -> list[str]:
    """Why `reason` is not a usable emergency reason, in Dutch (empty when it is).

    A reason is refused when it holds a control or format character other than a line break or tab (Unicode
    categories C*), is shorter than EMERGENCY_REASON_MIN_LENGTH characters, has fewer than
    EMERGENCY_REASON_MIN_WORDS words (runs of two or more letters that are not one letter repeated), repeats:
    fewer than three different words, or one word making up more than half of them ("test test test test"), or
    looks like keyboard mash (`_looks_like_mash`: "qwe rty uio pas dfg", "ab ab cd ef gh ij"). Source: issue 12,
    finding 2, and the tester's report after it."""
    if any(unicodedata.category(ch).startswith("C") and ch not in _ALLOWED_CONTROL for ch in reason):
        return [_("The reason contains invisible control characters; write ordinary text.")]
    text = reason.strip()
    minimum = settings.EMERGENCY_REASON_MIN_LENGTH
    if len(text) < minimum:
        return [_("Write down why this is an emergency (at least %(n)d characters).") % {"n": minimum}]
    raw_words = [w for w in _WORD.findall(text) if len(set(w.lower())) > 1]
    words = [w.lower() for w in raw_words]
    needed = settings.EMERGENCY_REASON_MIN_WORDS
    if len(words) < needed:
        return [_("The reason must be written in words: at least %(n)d real words.") % {"n": needed}]
    counts = Counter(words)
    if len(counts) < 3 or counts.most_common(1)[0][1] * 2 > len(words):
        return [_("The reason repeats itself; write down in your own words why this is an emergency.")]
    if _looks_like_mash(raw_words):
        return [_("The reason does not read as words; write down in full sentences why this is an emergency.")]
    return []


def uses_since(user: User, since: datetime) -> QuerySet[EmergencyAccess]:
    """The user's emergency accesses started at or after `since` (all of the user's memberships together)."""
    return EmergencyAccess.objects.filter(membership__user=user, started_at__gte=since)


def limit_message(user: User, now: datetime) -> str | None:
    """The Dutch refusal when the user has reached the hourly limit or the daily cap at `now`, else None.

    Windows are rolling: the last 60 minutes (EMERGENCY_PER_HOUR) and the last 24 hours (EMERGENCY_PER_DAY).
    The caller holds a lock on the user's row, so two presses at once are counted one after the other."""
    if uses_since(user, now - timedelta(hours=24)).count() >= settings.EMERGENCY_PER_DAY:
        return _(
            "You have used the emergency button %(n)d times in the last 24 hours, the most allowed. "
            "Ask the functioneel beheerder of your organisation if you need more."
        ) % {"n": settings.EMERGENCY_PER_DAY}
    if uses_since(user, now - timedelta(hours=1)).count() >= settings.EMERGENCY_PER_HOUR:
        return _(
            "You have used the emergency button %(n)d times in the last hour, the most allowed. Try again later."
        ) % {"n": settings.EMERGENCY_PER_HOUR}
    return None


def served_municipalities(membership: Membership) -> set[int]:
    """The municipalities the membership's organisation serves for the button's plausibility gate:
    `accounts.authority.served_municipalities` (served list and configured gemeente), or when that names none the
    municipality the organisation is based in (`own_when_none`). Empty: none known.

    This is only a plausibility gate for the button (the use is time-limited, notified and reviewed), not a ground:
    the access policy's grounds read the same function without the fallback."""
    served = authority.served_municipalities([membership.organisation_id], own_when_none=True)
    return served.get(membership.organisation_id, set())


def plausible(membership: Membership, child: Child) -> bool:
    """Could this role plausibly serve this child? At the child's own school; otherwise when the organisation
    serves the child's home municipality or the municipality of the child's school. An organisation without a
    known municipality serves no one outside its own school (deny by default)."""
    if not tasks.held_by(membership, "use_emergency_access"):
        return False
    if child.school_id is not None and membership.organisation_id == child.school_id:
        return True
    served = served_municipalities(membership)
    school_municipality = child.school.municipality_id if child.school is not None else None
    return bool(served & {child.home_municipality_id, school_municipality} - {None})


def membership_for(user: User, child: Child) -> Membership | None:
    """The user's emergency-role membership to press the button with: one that plausibly serves the child, else
    any emergency role (the service then refuses with the reason), else None (the role has no button)."""
    candidates = tasks.memberships(user, "use_emergency_access")
    return next((m for m in candidates if plausible(m, child)), candidates[0] if candidates else None)


@dataclass(frozen=True)
class Reviewer:
    """Who may review which emergency accesses: the organisations where the user is functioneel beheerder, or
    every organisation for the privacy officer."""

    memberships: tuple[Membership, ...]
    privacy_officer: bool

    @property
    def any(self) -> bool:
        return self.privacy_officer or bool(self.memberships)

    def membership_for(self, access: EmergencyAccess) -> Membership | None:
        return next((m for m in self.memberships if m.organisation_id == access.membership.organisation_id), None)

    def may_review(self, access: EmergencyAccess) -> bool:
        return self.privacy_officer or self.membership_for(access) is not None

    def queryset(self) -> QuerySet[EmergencyAccess]:
        found = EmergencyAccess.objects.select_related("membership__organisation")
        if self.privacy_officer:
            return found
        return found.filter(membership__organisation_id__in=[m.organisation_id for m in self.memberships])


def is_privacy_officer(user: User) -> bool:
    """The privacy officer (functionaris gegevensbescherming) reviews every organisation's uses: task right
    `emergency.review.any` (`access.tasks`), held by the platform's own administrator and by the staff account
    that holds the privacy officer's permission to read the administration log."""
    return tasks.may(user, "emergency.review.any")


def reviewer(user: User) -> Reviewer:
    return Reviewer(tuple(tasks.memberships(user, "review_emergency_use")), is_privacy_officer(user))
