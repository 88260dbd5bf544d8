from django.urls import URLPattern, URLResolver, include, path

from madoguchi.citizens import urls as citizen_urls
from madoguchi.core import views as core_views
from madoguchi.line import demo_views as line_demo_views

staff_patterns: list[URLPattern | URLResolver] = [
    path("", core_views.staff_home, name="home"),
    path("login/", core_views.StaffLoginView.as_view(), name="login"),
    path("logout/", core_views.staff_logout, name="logout"),
    path("otp/", core_views.otp_verify, name="otp_verify"),
    path("otp/setup/", core_views.otp_setup, name="otp_setup"),
    path("audit/", core_views.audit_list, name="audit"),
    path("residents/", include(("madoguchi.residents.urls", "residents"))),
    path("citizens/", include((citizen_urls.staff_urlpatterns, "citizens"))),
    path("messages/", include(("madoguchi.messaging.urls", "messages"))),
    path("line/", include(("madoguchi.line.staff_urls", "line"))),
    path("payments/", include(("madoguchi.payments.staff_urls", "payments"))),
]

# The demo's phone (404 outside demo mode).
demo_patterns: list[URLPattern | URLResolver] = [
    path("phone/", line_demo_views.phone, name="phone"),
    path("phone/chat/", line_demo_views.phone_chat, name="phone_chat"),
    path("phone/log/", line_demo_views.phone_log, name="phone_log"),
    path("phone/act/", line_demo_views.phone_act, name="phone_act"),
    path("phone/liff/", line_demo_views.phone_liff, name="phone_liff"),
]

urlpatterns = [
    path("", core_views.public_home, name="home"),
    path("healthz", core_views.healthz, name="healthz"),
    path("staff/", include((staff_patterns, "staff"))),
    path("line/", include(("madoguchi.line.urls", "line"))),
    path("payments/", include(("madoguchi.payments.urls", "payments"))),
    path("my/", include((citizen_urls.urlpatterns, "citizens"))),
    path("demo/", include((demo_patterns, "demo"))),
]

handler403 = "madoguchi.core.views.permission_denied"
handler404 = "madoguchi.core.views.page_not_found"
handler500 = "madoguchi.core.views.server_error"
