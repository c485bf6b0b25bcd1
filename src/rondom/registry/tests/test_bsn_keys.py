"""BSN keys can rotate: a new key in front encrypts, old keys still decrypt until `reencrypt_bsn` has run."""

from __future__ import annotations

import pytest
from cryptography.fernet import Fernet, InvalidToken
from django.core.management import call_command

from rondom.registry.bsn import blind_index
from rondom.registry.models import Child
from tests.factories import ChildFactory

pytestmark = pytest.mark.django_db


def test_keys_rotate_without_losing_a_bsn(settings) -> None:  # type: ignore[no-untyped-def]
    child = ChildFactory()
    child.set_bsn("111222333")
    child.save()
    old = list(settings.FIELD_ENCRYPTION_KEYS)
    new_key = Fernet.generate_key().decode()
    settings.FIELD_ENCRYPTION_KEYS = [new_key, *old]
    settings.BSN_INDEX_KEY = "a-new-index-key"
    assert Child.objects.get().bsn == "111222333"  # the old key still decrypts
    call_command("reencrypt_bsn")
    settings.FIELD_ENCRYPTION_KEYS = [new_key]
    reloaded = Child.objects.get()
    assert reloaded.bsn == "111222333"
    assert reloaded.bsn_index == blind_index("111222333")
    settings.FIELD_ENCRYPTION_KEYS = old
    with pytest.raises(InvalidToken):
        _ = Child.objects.get().bsn
