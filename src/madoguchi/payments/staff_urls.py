from django.urls import path

from madoguchi.payments import staff_views

urlpatterns = [
    path("", staff_views.intent_list, name="intents"),
    path("<int:intent_id>/", staff_views.intent_detail, name="intent"),
    path("<int:intent_id>/cash/", staff_views.cash, name="cash"),
    path("<int:intent_id>/refund/", staff_views.refund, name="refund"),
    path("reconciliation/", staff_views.reconciliation, name="reconciliation"),
    path("reconciliation.csv", staff_views.reconciliation_csv, name="reconciliation_csv"),
]
