from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "madoguchi.core"
    label = "core"
    verbose_name = "基盤"

    def ready(self) -> None:
        from madoguchi.core import db_guards  # noqa: F401  (registers the SQLite guard function)
