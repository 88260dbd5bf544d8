"""Staff screens for deliveries: compose (preview with recipient count), send now or later,
a live progress bar, and the delivery report. Templates and segments are kept here too."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from madoguchi.citizens.selectors import schools_for
from madoguchi.core.errors import DomainError
from madoguchi.core.models import StaffUser
from madoguchi.messaging import forms, selectors, services
from madoguchi.messaging.models import DeliveryJob
from madoguchi.residents.towns import towns_for


def _actor(request: HttpRequest) -> StaffUser:
    return request.user  # type: ignore[return-value]


def _job(request: HttpRequest, job_id: int) -> DeliveryJob:
    job = selectors.job_for(actor=_actor(request), job_id=job_id)
    if job is None:
        raise Http404("この配信は見つかりません。")
    return job


@login_required
def job_list(request: HttpRequest) -> HttpResponse:
    jobs = selectors.jobs_for(actor=_actor(request))[:100]
    return render(request, "messaging/job_list.html", {"jobs": jobs})


def _compose_form(request: HttpRequest) -> forms.ComposeForm:
    actor = _actor(request)
    return forms.ComposeForm(
        request.POST or None,
        initial={"template": request.GET.get("template", "")},
        templates=selectors.templates_latest(actor=actor),
        segments=list(selectors.segments_for(actor=actor)),
    )


@login_required
def compose(request: HttpRequest) -> HttpResponse:
    form = _compose_form(request)
    if request.method == "POST" and request.POST.get("action") == "send" and form.is_valid():
        try:
            job = services.broadcast(
                actor=_actor(request),
                template=form.chosen_template(),
                filters=form.chosen_filters(),
                context=form.context(),
                scheduled_at=form.cleaned_data["scheduled_at"],
            )
        except DomainError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            messages.success(request, "送信予約を登録しました。" if job.scheduled_at else "送信を始めました。")
            return redirect("staff:messages:job", job_id=job.pk)
    return render(request, "messaging/compose.html", {"form": form, **_preview(request, form)})


def _preview(request: HttpRequest, form: forms.ComposeForm) -> dict[str, object]:
    """The rendered text and how many it would reach, when the form is complete enough."""
    if not form.is_bound or not form.is_valid():
        return {}
    try:
        text = services.template_render(form.chosen_template(), form.context())
    except DomainError:
        return {}
    return {
        "preview_text": text,
        "reach": selectors.segment_reach(actor=_actor(request), filters=form.chosen_filters()),
    }


@login_required
def compose_preview(request: HttpRequest) -> HttpResponse:
    """htmx: the preview box for the form as it stands (nothing is saved)."""
    form = _compose_form(request)
    return render(request, "messaging/_preview.html", {"form": form, **_preview(request, form)})


@login_required
def job_detail(request: HttpRequest, job_id: int) -> HttpResponse:
    job = _job(request, job_id)
    progress = services.job_progress(job)
    return render(
        request,
        "messaging/job_detail.html",
        {"job": job, "progress": progress, "report": selectors.job_report(job) if progress.done else []},
    )


@login_required
def job_progress(request: HttpRequest, job_id: int) -> HttpResponse:
    """htmx: the progress bar, polled every second until the job is done."""
    job = _job(request, job_id)
    progress = services.job_progress(job)
    response = render(request, "messaging/_progress.html", {"job": job, "progress": progress})
    if progress.done:
        response["HX-Refresh"] = "true"  # reload once to show the full report
    return response


@login_required
@require_POST
def job_cancel(request: HttpRequest, job_id: int) -> HttpResponse:
    try:
        services.job_cancel(actor=_actor(request), job_id=_job(request, job_id).pk)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "送信予約を取り消しました。")
    return redirect("staff:messages:job", job_id=job_id)


@login_required
def template_list(request: HttpRequest) -> HttpResponse:
    actor = _actor(request)
    form = forms.TemplateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            template = services.template_save(actor=actor, **form.cleaned_data)
        except DomainError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            messages.success(request, f"テンプレート「{template.title}」（第{template.version}版）を保存しました。")
            return redirect("staff:messages:templates")
    return render(
        request, "messaging/template_list.html", {"templates": selectors.templates_latest(actor=actor), "form": form}
    )


@login_required
def segment_list(request: HttpRequest) -> HttpResponse:
    actor = _actor(request)
    municipality = actor.municipality
    assert municipality is not None
    form = forms.SegmentForm(request.POST or None, towns=towns_for(municipality), schools=schools_for(municipality))
    if request.method == "POST" and form.is_valid():
        segment = services.segment_save(actor=actor, name=form.cleaned_data["name"], filters=form.filters())
        messages.success(request, f"配信先「{segment.name}」を保存しました。")
        return redirect("staff:messages:segments")
    segments = [
        (s, selectors.segment_reach(actor=actor, filters=s.filters)) for s in selectors.segments_for(actor=actor)
    ]
    return render(request, "messaging/segment_list.html", {"segments": segments, "form": form})
