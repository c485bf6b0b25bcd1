from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand
from django.db import transaction

from rondom.registry.models import Child


class Command(BaseCommand):
    help = (
        "Re-encrypt every BSN with the first key in RONDOM_FIELD_KEYS and rebuild the blind index with "
        "RONDOM_BSN_INDEX_KEY. Run after adding a new key in front; then the old key can be removed."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        done = 0
        with transaction.atomic():
            for child in Child.objects.exclude(bsn_encrypted="").select_for_update().iterator(chunk_size=500):
                child.set_bsn(child.bsn)
                Child.objects.filter(pk=child.pk).update(bsn_encrypted=child.bsn_encrypted, bsn_index=child.bsn_index)
                done += 1
        self.stdout.write(f"Re-encrypted {done} BSNs.")
