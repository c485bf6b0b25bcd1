from __future__ import annotations

from collections.abc import Iterable

from django.apps import AppConfig

from rondom import rollups


class MonitoringConfig(AppConfig):
    name = "rondom.monitoring"
    verbose_name = "Monitoring"

    def ready(self) -> None:
        from . import signals

        signals.connect()
        rollups.register(_LazyQueue())  # the apps below reach the queue and the frozen years through the kernel


class _LazyQueue:
    """monitoring.rollup's queue, imported on first use: importing it while the apps load would import the access
    policy before every app has registered its grounds."""

    def mark(self, pairs: Iterable[rollups.Pair], reason: str) -> int:
        from .rollup import mark_dirty

        return mark_dirty(pairs, reason)

    def drain(self) -> dict[str, int]:
        from .rollup import drain

        return drain()

    def frozen_years(self) -> set[int]:
        from .rollup import frozen_years

        return frozen_years()

    def mark_children_moved(self, child_ids: Iterable[int], reason: str) -> int:
        from .rollup import mark_children_moved

        return mark_children_moved(child_ids, reason)
