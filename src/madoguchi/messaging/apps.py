from django.apps import AppConfig


class MessagingConfig(AppConfig):
    name = "madoguchi.messaging"
    label = "messaging"
    verbose_name = "配信"

    def ready(self) -> None:
        from madoguchi.messaging.retention import register_rules

        register_rules()
