"""Staff sign-in (password, then the second factor), the staff home, the audit view, error pages."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import LoginView
from django.core.paginator import Paginator
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.http import urlencode
from django.views.decorators.http import require_POST
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from madoguchi.core import selectors
from madoguchi.core.forms import OTPSetupForm, OTPVerifyForm, StaffLoginForm
from madoguchi.core.models import StaffUser
from madoguchi.core.services import totp_device_confirm, totp_device_start

DEMO_ACCOUNTS_MODULE = "madoguchi.core.demo"


class StaffLoginView(LoginView):
    template_name = "core/login.html"
    form_class = StaffLoginForm
    redirect_authenticated_user = True

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        if settings.DEMO_MODE:
            from madoguchi.core.demo import DEMO_ACCOUNTS, DEMO_PASSWORD

            context["demo_accounts"] = DEMO_ACCOUNTS
            context["demo_password"] = DEMO_PASSWORD
        return context

    def get_success_url(self) -> str:
        if settings.MADOGUCHI_REQUIRE_OTP:
            return "/staff/otp/" + ("?next=" + self.get_redirect_url() if self.get_redirect_url() else "")
        return super().get_success_url()


@require_POST
def staff_logout(request: HttpRequest) -> HttpResponse:
    logout(request)
    messages.info(request, "ログアウトしました。")
    return redirect("staff:login")


def _safe_next(request: HttpRequest) -> str:
    from django.utils.http import url_has_allowed_host_and_scheme

    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return "/staff/"


@login_required
def otp_verify(request: HttpRequest) -> HttpResponse:
    user: StaffUser = request.user  # type: ignore[assignment]
    if not TOTPDevice.objects.filter(user=user, confirmed=True).exists():
        return redirect("staff:otp_setup")
    form = OTPVerifyForm(user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        otp_login(request, form.device)
        return redirect(_safe_next(request))
    return render(request, "core/otp_verify.html", {"form": form, "next": _safe_next(request)})


@login_required
def otp_setup(request: HttpRequest) -> HttpResponse:
    user: StaffUser = request.user  # type: ignore[assignment]
    if TOTPDevice.objects.filter(user=user, confirmed=True).exists() and not request.user.is_verified():  # type: ignore[union-attr]
        return redirect("staff:otp_verify")
    device = totp_device_start(actor=user)
    form = OTPSetupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if totp_device_confirm(actor=user, device=device, token=form.cleaned_data["token"]):
            otp_login(request, device)
            messages.success(request, "二要素認証を設定しました。")
            return redirect("staff:home")
        form.add_error("token", "確認コードが正しくありません。アプリに表示されている6桁の数字を入力してください。")
    import segno

    qr_svg = segno.make(device.config_url, error="m").svg_inline(scale=4, title="二要素認証の設定用QRコード")
    secret = device.key  # hex; the app-side secret is shown as base32 below
    import base64

    secret_b32 = base64.b32encode(bytes.fromhex(secret)).decode().rstrip("=")
    return render(request, "core/otp_setup.html", {"form": form, "qr_svg": qr_svg, "secret_b32": secret_b32})


@login_required
def staff_home(request: HttpRequest) -> HttpResponse:
    return render(request, "core/staff_home.html")


@login_required
def audit_list(request: HttpRequest) -> HttpResponse:
    user: StaffUser = request.user  # type: ignore[assignment]
    everyone = request.GET.get("scope") == "all"
    object_type = request.GET.get("object_type", "")[:60]
    object_id = request.GET.get("object_id", "")[:60]
    events = selectors.audit_events_for(actor=user, everyone=everyone, object_type=object_type, object_id=object_id)
    page = Paginator(events, 50).get_page(request.GET.get("page"))
    keep = {
        k: v
        for k, v in (("scope", "all" if everyone else ""), ("object_type", object_type), ("object_id", object_id))
        if v
    }
    return render(
        request,
        "core/audit_list.html",
        {
            "page": page,
            "everyone": everyone,
            "object_type": object_type,
            "object_id": object_id,
            "querystring_base": urlencode(keep) + "&" if keep else "",
            "can_view_all": selectors.can_view_all_audit(user),
        },
    )


def public_home(request: HttpRequest) -> HttpResponse:
    return render(request, "core/public_home.html")


def healthz(request: HttpRequest) -> JsonResponse:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "403.html", status=403)


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "404.html", status=404)


def server_error(request: HttpRequest) -> HttpResponse:
    return render(request, "500.html", status=500)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    return render(request, "core/csrf_failure.html", status=403)
