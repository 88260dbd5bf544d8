from django.urls import path

from madoguchi.payments import views

urlpatterns = [
    path("notify/<slug:gateway_code>/", views.notify, name="notify"),
    path("return/<str:token>/", views.payment_return, name="return"),
    path("return/<str:token>/retry/", views.payment_retry, name="retry"),
]
