"""The BSN (burgerservicenummer): elfproef validation and encryption at rest.

The BSN is stored encrypted with Fernet (AES-128-CBC + HMAC-SHA256) under the keys in
settings.FIELD_ENCRYPTION_KEYS (first key encrypts, all decrypt: keys can rotate). A keyed hash
(blind index) allows finding a child by BSN without decrypting every row.
"""

from __future__ import annotations

import hashlib
import hmac
from functools import lru_cache

from cryptography.fernet import Fernet, MultiFernet
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

#: What may separate a BSN's digits as people write them ("123 456 782", "123.456.782", "123-456-782"); any
#: Unicode space (a no-break space from a spreadsheet) counts as a space.
BSN_SEPARATORS = ".-"


def normalise_bsn(value: str) -> str:
    """A BSN as written -> the form it is stored, hashed and looked up in: separators and spaces removed, the
    leading zero a spreadsheet dropped put back (8 ASCII digits -> 9). Other characters are kept, so that
    :func:`bsn_error` can refuse them: ``'11122233³'`` stays ``'11122233³'``."""
    digits = "".join(ch for ch in str(value) if not ch.isspace() and ch not in BSN_SEPARATORS)
    if len(digits) == 8 and digits.isascii() and digits.isdigit():
        digits = "0" + digits
    return digits


def bsn_error(value: str) -> str | None:
    """Why ``value`` is not a valid BSN, as a translated message naming the BSN; None when it is one.

    Only the ASCII digits 0-9 count: ``str.isdigit`` also accepts superscripts (``³``), Arabic-Indic (``٣``),
    fullwidth (``３``) and Devanagari (``३``) digits, which ``int()`` would then read or choke on. Then the
    elfproef (Logius, "BSN: de elfproef"): 9 digits, weighted sum 9..2 and -1 for the last, divisible by 11.
    """
    digits = normalise_bsn(value)
    if not (digits.isascii() and digits.isdigit()):
        return _("The BSN may only hold the digits 0-9 (spaces, dots and hyphens between them are allowed).")
    if len(digits) != 9 or digits == "000000000":
        return _("This is not a valid BSN: it must be 9 digits and pass the elfproef.")
    total = sum(int(d) * w for d, w in zip(digits[:8], range(9, 1, -1), strict=True)) - int(digits[8])
    if total % 11:
        return _("This is not a valid BSN: it must be 9 digits and pass the elfproef.")
    return None


def is_valid_bsn(value: str) -> bool:
    """The elfproef on ASCII digits only (see :func:`bsn_error`); never raises."""
    return bsn_error(value) is None


def validate_bsn(value: str) -> None:
    """Django validator: raises ValidationError (code ``bsn``) with the reason of :func:`bsn_error`."""
    error = bsn_error(value)
    if error:
        raise ValidationError(error, code="bsn")


@lru_cache(maxsize=4)
def _fernet(keys: tuple[str, ...]) -> MultiFernet:
    return MultiFernet([Fernet(key.encode()) for key in keys])


def encrypt(value: str) -> str:
    return _fernet(tuple(settings.FIELD_ENCRYPTION_KEYS)).encrypt(value.encode()).decode()


def decrypt(token: str) -> str:
    return _fernet(tuple(settings.FIELD_ENCRYPTION_KEYS)).decrypt(token.encode()).decode()


def blind_index(value: str) -> str:
    key = hashlib.sha256(("bsn-index:" + settings.BSN_INDEX_KEY).encode()).digest()
    return hmac.new(key, normalise_bsn(value).encode(), hashlib.sha256).hexdigest()


def mask(value: str) -> str:
    """What a screen shows: the last three digits only."""
    return "******" + normalise_bsn(value)[-3:] if value else ""
