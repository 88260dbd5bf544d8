from django.urls import path

from madoguchi.line import views

urlpatterns = [
    path("webhook/<str:channel_id>/", views.webhook, name="webhook"),
]
