from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "madoguchi.core"
    label = "core"
    verbose_name = "基盤"

    def ready(self) -> None:
        import datetime as dt

        from madoguchi.core import (
            db_guards,  # noqa: F401  (registers the SQLite guard function)
            retention,
            schedule,
        )

        schedule.every("core.retention", dt.timedelta(days=1), retention.retention_sweep_run)
