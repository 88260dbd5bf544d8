"""Staff screens: payments (search, detail), cash at the counter, refunds, and the daily
reconciliation (収納消込) as a table and as CSV. Permission checks live in services/selectors."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import urlencode
from django.views.decorators.http import require_POST

from madoguchi.core.errors import DomainError
from madoguchi.core.models import StaffUser
from madoguchi.core.permissions import Perm, has_perm, require
from madoguchi.payments import forms, hooks, selectors, services
from madoguchi.payments.models import PaymentIntent


def _actor(request: HttpRequest) -> StaffUser:
    return request.user  # type: ignore[return-value]


def _intent(request: HttpRequest, intent_id: int) -> PaymentIntent:
    intent = selectors.intent_for(actor=_actor(request), intent_id=intent_id)
    if intent is None:
        raise Http404("この支払いは見つかりません。")
    return intent


@login_required
def intent_list(request: HttpRequest) -> HttpResponse:
    form = forms.SearchForm(request.GET or None)
    q, status = "", ""
    if form.is_bound and form.is_valid():
        q, status = form.cleaned_data["q"], form.cleaned_data["status"]
    intents = selectors.intents_for(actor=_actor(request), q=q, status=status)
    page = Paginator(intents, 50).get_page(request.GET.get("page"))
    query = urlencode({k: v for k, v in (("q", q), ("status", status)) if v})
    return render(
        request,
        "payments/staff/intent_list.html",
        {"form": form, "page": page, "querystring_base": f"{query}&" if query else ""},
    )


def _detail(
    request: HttpRequest,
    intent: PaymentIntent,
    *,
    cash_form: forms.CashForm | None = None,
    refund_form: forms.RefundForm | None = None,
    status: int = 200,
) -> HttpResponse:
    actor = _actor(request)
    context: dict[str, Any] = {
        "intent": intent,
        "purpose_label": hooks.label_of(intent.purpose),
        "refunds": selectors.refunds_of(intent),
        "notifications": selectors.notifications_of(intent),
        # A form sent back with an error is shown even if the payment can no longer take it.
        "can_cash": has_perm(actor, Perm.PAYMENT_CASH) and (intent.is_payable or cash_form is not None),
        "can_refund": has_perm(actor, Perm.PAYMENT_REFUND)
        and (intent.refundable_amount > 0 or refund_form is not None),
        "cash_form": cash_form or forms.CashForm(initial={"received": intent.amount}),
        "refund_form": refund_form or forms.RefundForm(),
    }
    return render(request, "payments/staff/intent_detail.html", context, status=status)


@login_required
def intent_detail(request: HttpRequest, intent_id: int) -> HttpResponse:
    return _detail(request, _intent(request, intent_id))


@login_required
@require_POST
def cash(request: HttpRequest, intent_id: int) -> HttpResponse:
    intent = _intent(request, intent_id)
    form = forms.CashForm(request.POST)
    if form.is_valid():
        received = form.cleaned_data["received"]
        try:
            paid = services.cash_record(actor=_actor(request), intent_id=intent.pk, received=received)
        except DomainError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            messages.success(
                request, f"現金 {received:,}円を受け取りました。おつりは {received - paid.amount:,}円です。"
            )
            return redirect("staff:payments:intent", intent_id=intent.pk)
    return _detail(request, intent, cash_form=form, status=400)


@login_required
@require_POST
def refund(request: HttpRequest, intent_id: int) -> HttpResponse:
    intent = _intent(request, intent_id)
    form = forms.RefundForm(request.POST)
    if form.is_valid():
        try:
            done = services.refund_issue(
                actor=_actor(request),
                intent=intent,
                amount=form.cleaned_data["amount"],
                reason=form.cleaned_data["reason"],
            )
        except DomainError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            messages.success(request, f"{done.amount:,}円の返金を受け付けました（{done.get_status_display()}）。")
            return redirect("staff:payments:intent", intent_id=intent.pk)
    return _detail(request, intent, refund_form=form, status=400)


def _report(request: HttpRequest) -> tuple[forms.ReconciliationForm, selectors.Reconciliation | None]:
    require(_actor(request), Perm.PAYMENT_VIEW)
    form = forms.ReconciliationForm(request.GET or None)
    if not form.is_valid():
        return form, None
    data = form.cleaned_data
    report = selectors.reconciliation(
        actor=_actor(request), date_from=data["date_from"], date_to=data["date_to"], group_by=data["group_by"]
    )
    return form, report


@login_required
def reconciliation(request: HttpRequest) -> HttpResponse:
    form, report = _report(request)
    csv_query = urlencode({k: form.data.get(k, "") for k in ("date_from", "date_to", "group_by")})
    return render(
        request,
        "payments/staff/reconciliation.html",
        {"form": form, "report": report, "csv_query": csv_query},
        status=200 if report is not None else 400,
    )


@login_required
def reconciliation_csv(request: HttpRequest) -> HttpResponse:
    _, report = _report(request)
    if report is None:
        return reconciliation(request)
    response = HttpResponse(selectors.reconciliation_csv(report), content_type="text/csv; charset=utf-8")
    name = f"shuno_{report.date_from:%Y%m%d}_{report.date_to:%Y%m%d}_{report.group_by.value}.csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
