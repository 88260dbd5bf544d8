"""Staff screens of the resident register. Thin: parse the form, call one service or selector, render."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from madoguchi.core.errors import DomainError
from madoguchi.core.forms import JapaneseForm
from madoguchi.core.models import StaffUser
from madoguchi.core.permissions import Perm, has_perm, require
from madoguchi.residents import forms, selectors, services
from madoguchi.residents.models import Household, MovementKind
from madoguchi.residents.towns import towns_for


def _actor(request: HttpRequest) -> StaffUser:
    return request.user  # type: ignore[return-value]


def _form_error(form: Any, error: DomainError) -> None:
    field = error.field if error.field in form.fields else None
    form.add_error(field, error.message)


@login_required
def search(request: HttpRequest) -> HttpResponse:
    """Search by POST so names and birth dates never appear in URLs or access logs."""
    actor = _actor(request)
    require(actor, Perm.RESIDENT_VIEW)
    can_see_removed = has_perm(actor, Perm.RESIDENT_VIEW_REMOVED)
    towns = towns_for(actor.municipality)  # type: ignore[arg-type]
    form = forms.SearchForm(request.POST or None, can_see_removed=can_see_removed)
    result = None
    if request.method == "POST" and form.is_valid():
        result = selectors.person_search(
            actor=actor,
            query=form.cleaned_data["q"],
            birth_date=form.cleaned_data["birth_date"],
            town=form.cleaned_data["town"],
            include_removed=form.cleaned_data.get("include_removed", False),
        )
    template = "residents/_search_area.html" if request.htmx and request.method == "POST" else "residents/search.html"  # type: ignore[attr-defined]
    return render(
        request,
        template,
        {"form": form, "result": result, "towns": towns, "can_change": has_perm(actor, Perm.RESIDENT_CHANGE)},
    )


@login_required
def person_detail(request: HttpRequest, person_id: int) -> HttpResponse:
    actor = _actor(request)
    person = selectors.person_view(actor=actor, person_id=person_id)
    return render(
        request,
        "residents/person.html",
        {"person": person, "can_change": has_perm(actor, Perm.RESIDENT_CHANGE)},
    )


@login_required
def person_history(request: HttpRequest, person_id: int) -> HttpResponse:
    person, movements = selectors.person_history(actor=_actor(request), person_id=person_id)
    return render(request, "residents/history.html", {"person": person, "movements": movements})


@login_required
def household_detail(request: HttpRequest, household_id: int) -> HttpResponse:
    actor = _actor(request)
    household, members = selectors.household_view(actor=actor, household_id=household_id)
    return render(
        request,
        "residents/household.html",
        {"household": household, "members": members, "can_change": has_perm(actor, Perm.RESIDENT_CHANGE)},
    )


MOVEMENT_FORMS: dict[str, tuple[type[JapaneseForm], str]] = {
    "move_out": (forms.MoveOutForm, MovementKind.MOVE_OUT.label),
    "death": (forms.DeathForm, MovementKind.DEATH.label),
    "move_within": (forms.MoveWithinForm, MovementKind.MOVE_WITHIN.label),
    "head_change": (forms.HeadChangeForm, MovementKind.HEAD_CHANGE.label),
}


@login_required
def movement_for_person(request: HttpRequest, person_id: int, kind: str) -> HttpResponse:
    """転出・死亡・転居・世帯主変更 for one person (or their household)."""
    if kind not in MOVEMENT_FORMS:
        raise Http404("この異動事由はありません。")
    actor = _actor(request)
    require(actor, Perm.RESIDENT_CHANGE)
    # Showing the form shows the person: that read is audited; a POST is audited as the 異動 itself.
    if request.method == "POST":
        person = selectors.access_person(actor=actor, person_id=person_id)
    else:
        person = selectors.person_view(actor=actor, person_id=person_id)
    form_class, title = MOVEMENT_FORMS[kind]
    extra: dict[str, Any] = {}
    if kind == "head_change":
        household = person.household
        members = selectors.household_members(actor=actor, household=household)
        extra["members"] = [(m.pk, f"{m.full_name}（{m.get_relationship_display()}）") for m in members]
    form = form_class(request.POST or None, **extra)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            if kind == "move_out":
                services.resident_move_out(
                    actor=actor,
                    person_id=person.pk,
                    occurred_on=data["occurred_on"],
                    notified_on=data["notified_on"],
                    destination=data["destination"],
                )
            elif kind == "death":
                services.resident_death(
                    actor=actor, person_id=person.pk, occurred_on=data["occurred_on"], notified_on=data["notified_on"]
                )
            elif kind == "move_within":
                services.resident_move_within(
                    actor=actor,
                    person_id=person.pk,
                    address=services.Address(data["postal_code"], data["town"], data["banchi"], data["katagaki"]),
                    occurred_on=data["occurred_on"],
                    notified_on=data["notified_on"],
                )
            else:
                services.household_head_change(
                    actor=actor,
                    household_id=person.household_id,
                    new_head_id=data["new_head"],
                    former_head_relationship=data["former_head_relationship"],
                    occurred_on=data["occurred_on"],
                    notified_on=data["notified_on"],
                )
        except DomainError as error:
            _form_error(form, error)
        else:
            messages.success(request, f"{title}を登録しました。")
            return redirect("staff:residents:person", person_id=person.pk)
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "residents/movement_form.html",
        {"form": form, "title": title, "person": person, "kind": kind},
        status=status,
    )


def _person_input(data: dict[str, Any]) -> services.PersonInput:
    return services.PersonInput(
        family_name=data["family_name"],
        given_name=data["given_name"],
        family_name_kana=data["family_name_kana"],
        given_name_kana=data["given_name_kana"],
        birth_date=data["birth_date"],
        sex=data["sex"],
        relationship=data["relationship"],
        is_foreign=data.get("is_foreign", False),
        alphabet_name=data.get("alphabet_name", ""),
        nationality=data.get("nationality", ""),
        residence_status=data.get("residence_status", ""),
        residence_until=data.get("residence_until"),
    )


@login_required
def birth(request: HttpRequest, household_id: int) -> HttpResponse:
    actor = _actor(request)
    require(actor, Perm.RESIDENT_CHANGE)
    household = selectors.access_household(actor=actor, household_id=household_id)
    form = forms.BirthForm(request.POST or None, initial={"relationship": "child"})
    if request.method == "POST" and form.is_valid():
        try:
            person = services.resident_birth(
                actor=actor,
                household=household,
                data=_person_input(form.cleaned_data),
                notified_on=form.cleaned_data["notified_on"],
            )
        except DomainError as error:
            _form_error(form, error)
        else:
            messages.success(request, "出生を登録しました。")
            return redirect("staff:residents:person", person_id=person.pk)
    status = 400 if request.method == "POST" else 200
    return render(
        request, "residents/movement_form.html", {"form": form, "title": "出生", "household": household}, status=status
    )


@login_required
def move_in(request: HttpRequest) -> HttpResponse:
    actor = _actor(request)
    require(actor, Perm.RESIDENT_CHANGE)
    form = forms.MoveInForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        household: Household | None = None
        if data["household_number"]:
            household = selectors.household_by_number(actor=actor, number=data["household_number"])
            if household is None:
                form.add_error("household_number", "この世帯番号の世帯は見つかりません。")
        if not form.errors:
            try:
                person = services.resident_move_in(
                    actor=actor,
                    data=_person_input(data),
                    address=services.Address(data["postal_code"], data["town"], data["banchi"], data["katagaki"]),
                    occurred_on=data["occurred_on"],
                    notified_on=data["notified_on"],
                    moved_from=data["moved_from"],
                    household=household,
                )
            except DomainError as error:
                _form_error(form, error)
            else:
                messages.success(request, "転入を登録しました。")
                return redirect("staff:residents:person", person_id=person.pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "residents/movement_form.html", {"form": form, "title": "転入"}, status=status)
