from django.apps import AppConfig


class ApiClientsConfig(AppConfig):
    name = "rondom.apiclients"
    verbose_name = "API clients"

    def ready(self) -> None:
        # drf-spectacular finds extensions by their class being defined: the OAuth2 security scheme of the schema.
        from . import schema  # noqa: F401
