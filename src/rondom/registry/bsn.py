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


def normalise_bsn(value: str) -> str:
    digits = "".join(ch for ch in str(value) if not ch.isspace() and ch not in ".-")
    if len(digits) == 8 and digits.isdigit():
        digits = "0" + digits
    return digits


def is_valid_bsn(value: str) -> bool:
    """The elfproef: 9 digits, weighted sum (9..2, and -1 for the last digit) divisible by 11."""
    digits = normalise_bsn(value)
    if len(digits) != 9 or not digits.isdigit() or digits == "000000000":
        return False
    total = sum(int(d) * w for d, w in zip(digits[:8], range(9, 1, -1), strict=True)) - int(digits[8])
    return total % 11 == 0


def validate_bsn(value: str) -> None:
    if not is_valid_bsn(value):
        raise ValidationError(_("This is not a valid BSN: it must be 9 digits and pass the elfproef."), code="bsn")


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
