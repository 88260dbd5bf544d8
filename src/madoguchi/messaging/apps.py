from django.apps import AppConfig


class MessagingConfig(AppConfig):
    name = "madoguchi.messaging"
    label = "messaging"
    verbose_name = "配信"
