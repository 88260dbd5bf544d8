from django.apps import AppConfig


class CitizensConfig(AppConfig):
    name = "madoguchi.citizens"
    label = "citizens"
    verbose_name = "市民アカウント"

    def ready(self) -> None:
        from madoguchi.citizens.retention import register_rules

        register_rules()
