from django.urls import path

from madoguchi.messaging import views

urlpatterns = [
    path("", views.job_list, name="jobs"),
    path("new/", views.compose, name="compose"),
    path("new/preview/", views.compose_preview, name="preview"),
    path("<int:job_id>/", views.job_detail, name="job"),
    path("<int:job_id>/progress/", views.job_progress, name="progress"),
    path("<int:job_id>/cancel/", views.job_cancel, name="cancel"),
    path("templates/", views.template_list, name="templates"),
    path("segments/", views.segment_list, name="segments"),
]
