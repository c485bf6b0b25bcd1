from typing import Any

from django.apps import AppConfig
from django.db import connections
from django.db.models.signals import post_migrate


def _restore_name_index(sender: AppConfig, using: str = "default", **kwargs: Any) -> None:
    """After every migrate: the SQLite FTS5 name index and its triggers are back if a table rebuild dropped them
    (registry.name_index)."""
    from .name_index import ensure_sqlite_name_index

    ensure_sqlite_name_index(connections[using])


class RegistryConfig(AppConfig):
    name = "rondom.registry"

    def ready(self) -> None:
        post_migrate.connect(_restore_name_index, sender=self, dispatch_uid="registry_name_index")
