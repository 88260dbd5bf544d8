"""Public and resident pages of facility booking and classes (namespace ``reservations``)."""

from django.urls import URLPattern, URLResolver, path

from madoguchi.reservations import webhooks

app_name = "reservations"

urlpatterns: list[URLPattern | URLResolver] = [
    path("locks/webhook/<str:municipality_code>/", webhooks.lock_webhook, name="lock_webhook"),
]
