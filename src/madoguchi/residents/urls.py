from django.urls import path

from madoguchi.residents import views

urlpatterns = [
    path("", views.search, name="search"),
    path("people/<int:person_id>/", views.person_detail, name="person"),
    path("people/<int:person_id>/history/", views.person_history, name="history"),
    path("households/<int:household_id>/", views.household_detail, name="household"),
    path("people/<int:person_id>/movements/<str:kind>/", views.movement_for_person, name="movement"),
    path("households/<int:household_id>/movements/birth/", views.birth, name="birth"),
    path("move-in/", views.move_in, name="move_in"),
]
