"""Residents' pages (``/my/``: sign-in, 受信設定, counter linking) and the staff page that issues link codes.

The resident pages are the LIFF pages of the city's LINE account and work the same
on the plain web, where residents sign in by e-mail.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.views.decorators.http import require_POST

from madoguchi.citizens import forms, selectors, services
from madoguchi.citizens.auth import (
    citizen_required,
    citizen_session_end,
    citizen_session_start,
    current_citizen,
    safe_next,
)
from madoguchi.citizens.models import Citizen
from madoguchi.core.errors import DomainError
from madoguchi.core.models import StaffUser
from madoguchi.core.permissions import Perm, require
from madoguchi.core.selectors import municipality_for_request
from madoguchi.residents.selectors import person_view
from madoguchi.residents.towns import towns_for


def _citizen(request: HttpRequest) -> Citizen:
    return request.citizen  # type: ignore[attr-defined, no-any-return]


# --- resident pages -------------------------------------------------------------


@citizen_required
def my_home(request: HttpRequest) -> HttpResponse:
    citizen = _citizen(request)
    return render(
        request,
        "citizens/my_home.html",
        {
            "citizen": citizen,
            "linked": citizen.person_id is not None,
            "preferences": selectors.citizen_preferences(citizen=citizen),
        },
    )


def sign_in(request: HttpRequest) -> HttpResponse:
    municipality = municipality_for_request(request)
    next_url = safe_next(request, reverse("citizens:home"))
    if current_citizen(request) is not None and request.method == "GET":
        return redirect(next_url)
    form = forms.EmailSignInForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        url = request.build_absolute_uri(reverse("citizens:sign_in_email", args=["TOKEN"])).replace("TOKEN", "{token}")
        # The page to return to travels in the link, encoded (it may carry its own query string).
        url += "?" + urlencode({"next": next_url})
        services.email_sign_in_start(municipality=municipality, email=form.cleaned_data["email"], sign_in_url=url)
        return render(request, "citizens/sign_in_sent.html", {"email": form.cleaned_data["email"]})
    return render(request, "citizens/sign_in.html", {"form": form, "next": next_url, "municipality": municipality})


def sign_in_email(request: HttpRequest, token: str) -> HttpResponse:
    """GET shows a button; only the POST uses the link, so mail scanners that open links do not spend it."""
    municipality = municipality_for_request(request)
    error = ""
    if request.method == "POST":
        try:
            citizen = services.email_sign_in_finish(municipality=municipality, token=token)
        except DomainError as exc:
            error = exc.message
        else:
            citizen_session_start(request, citizen, method="email")
            messages.success(request, "ログインしました。")
            return redirect(safe_next(request, reverse("citizens:home")))
    return render(
        request, "citizens/sign_in_email.html", {"error": error, "next": safe_next(request, reverse("citizens:home"))}
    )


@require_POST
def sign_out(request: HttpRequest) -> HttpResponse:
    citizen_session_end(request)
    messages.info(request, "ログアウトしました。")
    return redirect("citizens:sign_in")


@citizen_required
def preferences(request: HttpRequest) -> HttpResponse:
    citizen = _citizen(request)
    municipality = citizen.municipality
    form = forms.PreferencesForm(
        request.POST or None,
        initial=forms.PreferencesForm.initial_from(
            selectors.citizen_preferences(citizen=citizen), citizen.preferred_channel
        ),
        towns=towns_for(municipality),
        schools=selectors.schools_for(municipality),
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.citizen_preferences_set(
                citizen=citizen, choices=form.choices(), preferred_channel=form.cleaned_data["preferred_channel"]
            )
        except DomainError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            messages.success(request, "受信設定を保存しました。")
            return redirect("citizens:preferences")
    return render(request, "citizens/preferences.html", {"form": form, "citizen": citizen})


@citizen_required
def link(request: HttpRequest) -> HttpResponse:
    citizen = _citizen(request)
    form = forms.LinkCodeForm(request.POST or None if request.POST.get("action") == "link" else None)
    unlink_form = forms.UnlinkForm(request.POST or None if request.POST.get("action") == "unlink" else None)
    if request.method == "POST" and request.POST.get("action") == "link" and form.is_valid():
        try:
            services.citizen_link(citizen=citizen, typed_code=form.cleaned_data["code"])
        except DomainError as exc:
            form.add_error("code", exc.message)
        else:
            messages.success(request, "住民記録と連携しました。メニューが切り替わります。")
            return redirect("citizens:link")
    if request.method == "POST" and request.POST.get("action") == "unlink" and unlink_form.is_valid():
        services.citizen_unlink_self(citizen=citizen)
        messages.success(request, "住民記録との連携を解除しました。")
        return redirect("citizens:link")
    person = services.citizen_linked_person(citizen=citizen)
    linked_name = person.full_name if person else ""
    return render(
        request,
        "citizens/link.html",
        {"form": form, "unlink_form": unlink_form, "citizen": citizen, "linked_name": linked_name},
    )


# --- staff: counter codes ---------------------------------------------------------


@login_required
def staff_link(request: HttpRequest, person_id: int) -> HttpResponse:
    """Issue a counter code (after checking identity) or end a link, for one person."""
    actor: StaffUser = request.user  # type: ignore[assignment]
    require(actor, Perm.CITIZEN_LINK)
    person = person_view(actor=actor, person_id=person_id)
    account = selectors.citizen_for_person(municipality=person.municipality, person_id=person.pk)
    unlink_form = forms.StaffUnlinkForm(request.POST if request.POST.get("action") == "unlink" else None)
    issued = None
    error = ""
    if request.method == "POST" and request.POST.get("action") == "issue":
        try:
            issued = services.link_code_issue(actor=actor, person_id=person.pk)
        except DomainError as exc:
            error = exc.message
    elif request.method == "POST" and request.POST.get("action") == "unlink" and unlink_form.is_valid():
        try:
            services.citizen_unlink_by_staff(
                actor=actor, person_id=person.pk, reason=unlink_form.cleaned_data["reason"]
            )
        except DomainError as exc:
            unlink_form.add_error("reason", exc.message)
        else:
            messages.success(request, "連携を解除しました。")
            return redirect("staff:citizens:link", person_id=person.pk)
    response = render(
        request,
        "citizens/staff_link.html",
        {"person": person, "account": account, "issued": issued, "error": error, "unlink_form": unlink_form},
    )
    if issued is not None:
        response["Cache-Control"] = "no-store"  # the code is shown once; keep it out of caches
    return response
