from django.apps import AppConfig


class ReservationsConfig(AppConfig):
    name = "madoguchi.reservations"
    verbose_name = "施設予約・講座"

    def ready(self) -> None:
        from madoguchi.reservations import signals  # noqa: F401 - payment hook and recurring jobs
        from madoguchi.reservations.retention import register_rules

        register_rules()

        from madoguchi.core.audit import action_labels_register
        from madoguchi.reservations.notices import AUDIT_LABELS

        action_labels_register(AUDIT_LABELS)
