from django.apps import AppConfig


class CitizensConfig(AppConfig):
    name = "madoguchi.citizens"
    label = "citizens"
    verbose_name = "市民アカウント"
