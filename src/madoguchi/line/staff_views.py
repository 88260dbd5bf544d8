"""Staff screen of the city's LINE account (企画政策課): connection status, keyword replies,
rich menus and disaster mode."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from madoguchi.core.errors import DomainError
from madoguchi.core.models import StaffUser
from madoguchi.line import forms, selectors, services
from madoguchi.line.richmenu import disaster_mode_set, rich_menus_publish


def _actor(request: HttpRequest) -> StaffUser:
    return request.user  # type: ignore[return-value]


@login_required
def overview(request: HttpRequest) -> HttpResponse:
    actor = _actor(request)
    info = selectors.channel_overview(actor=actor)
    disaster_on = bool(info and info.channel.disaster_mode)
    return render(
        request,
        "line/staff_overview.html",
        {
            "info": info,
            "replies": selectors.keyword_replies_for(actor=actor),
            "disaster_form": forms.DisasterModeForm(initial={"on": "0" if disaster_on else "1"}),
        },
    )


@login_required
@require_POST
def disaster_mode(request: HttpRequest) -> HttpResponse:
    actor = _actor(request)
    form = forms.DisasterModeForm(request.POST)
    if selectors.channel_for(actor=actor) is None:
        raise Http404("LINEチャネルが登録されていません。")
    if not form.is_valid():
        info = selectors.channel_overview(actor=actor)
        context = {"info": info, "replies": selectors.keyword_replies_for(actor=actor), "disaster_form": form}
        return render(request, "line/staff_overview.html", context, status=400)
    on = form.cleaned_data["on"]
    disaster_mode_set(actor=actor, on=on)
    messages.success(
        request,
        "災害モードにしました。友だち全員のメニューを切り替えています。"
        if on
        else "通常のメニューに戻しました。友だち全員のメニューを切り替えています。",
    )
    return redirect("staff:line:overview")


@login_required
@require_POST
def rich_menus(request: HttpRequest) -> HttpResponse:
    try:
        count = rich_menus_publish(actor=_actor(request))
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request, f"リッチメニュー{count}件をLINEに作成しました。友だちのメニューを順に切り替えています。"
        )
    return redirect("staff:line:overview")


@login_required
def keyword_edit(request: HttpRequest, reply_id: int | None = None) -> HttpResponse:
    actor = _actor(request)
    entry = None
    if reply_id is not None:
        entry = selectors.keyword_reply_for(actor=actor, reply_id=reply_id)
        if entry is None:
            raise Http404("このキーワード応答は見つかりません。")
    else:
        selectors.keyword_replies_for(actor=actor)  # permission check before showing an empty form
    initial = (
        {"keywords": entry.keywords, "reply": entry.reply, "priority": entry.priority, "active": entry.active}
        if entry
        else None
    )
    form = forms.KeywordReplyForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            saved = services.keyword_reply_save(actor=actor, reply_id=reply_id, **form.cleaned_data)
        except DomainError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            messages.success(request, f"キーワード応答「{saved.keywords}」を保存しました。")
            return redirect("staff:line:overview")
    return render(request, "line/staff_keyword.html", {"form": form, "entry": entry})
