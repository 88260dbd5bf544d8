"""Staff screens of facility booking and classes (namespace ``staff:reservations``)."""

from django.urls import URLPattern, URLResolver

urlpatterns: list[URLPattern | URLResolver] = []
