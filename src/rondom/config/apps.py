"""Start-up of the project-wide parts that belong to no domain app."""

from __future__ import annotations

from django.apps import AppConfig


class RondomConfig(AppConfig):
    name = "rondom.config"
    label = "rondom_config"
    verbose_name = "Rondom configuration"

    def ready(self) -> None:
        from .strict_json import install

        install()
