from django.urls import path

from madoguchi.line import liff, views

urlpatterns = [
    path("webhook/<str:channel_id>/", views.webhook, name="webhook"),
    path("liff/sign-in/", liff.liff_sign_in, name="liff_sign_in"),
]
