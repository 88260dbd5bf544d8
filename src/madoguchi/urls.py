from django.urls import URLPattern, URLResolver, include, path

from madoguchi.core import views as core_views

staff_patterns: list[URLPattern | URLResolver] = [
    path("", core_views.staff_home, name="home"),
    path("login/", core_views.StaffLoginView.as_view(), name="login"),
    path("logout/", core_views.staff_logout, name="logout"),
    path("otp/", core_views.otp_verify, name="otp_verify"),
    path("otp/setup/", core_views.otp_setup, name="otp_setup"),
    path("audit/", core_views.audit_list, name="audit"),
    path("residents/", include(("madoguchi.residents.urls", "residents"))),
]

urlpatterns = [
    path("", core_views.public_home, name="home"),
    path("healthz", core_views.healthz, name="healthz"),
    path("staff/", include((staff_patterns, "staff"))),
    path("line/", include(("madoguchi.line.urls", "line"))),
]

handler403 = "madoguchi.core.views.permission_denied"
handler404 = "madoguchi.core.views.page_not_found"
handler500 = "madoguchi.core.views.server_error"
