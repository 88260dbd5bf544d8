from django.urls import path

from madoguchi.citizens import views

urlpatterns = [
    path("", views.my_home, name="home"),
    path("login/", views.sign_in, name="sign_in"),
    path("login/email/<str:token>/", views.sign_in_email, name="sign_in_email"),
    path("logout/", views.sign_out, name="sign_out"),
    path("preferences/", views.preferences, name="preferences"),
    path("link/", views.link, name="link"),
]

staff_urlpatterns = [
    path("link/<int:person_id>/", views.staff_link, name="link"),
]
