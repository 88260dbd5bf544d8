from django.urls import path

from madoguchi.line import staff_views

urlpatterns = [
    path("", staff_views.overview, name="overview"),
    path("disaster-mode/", staff_views.disaster_mode, name="disaster_mode"),
    path("rich-menus/", staff_views.rich_menus, name="rich_menus"),
    path("keywords/new/", staff_views.keyword_edit, name="keyword_new"),
    path("keywords/<int:reply_id>/", staff_views.keyword_edit, name="keyword_edit"),
]
