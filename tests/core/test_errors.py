"""Unknown and forbidden URLs get proper Japanese pages, never a stack trace."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from ..conftest import make_staff, verified_client

pytestmark = pytest.mark.django_db


def test_unknown_url__is_a_japanese_404() -> None:
    response = Client().get("/no/such/page/")
    assert response.status_code == 404
    body = response.content.decode()
    assert "ページが見つかりません" in body and "Traceback" not in body


def test_unknown_person__is_a_japanese_404(city_a) -> None:
    response = verified_client(make_staff(city_a, "clerk")).get(reverse("staff:residents:person", args=[999999]))
    assert response.status_code == 404 and "ページが見つかりません" in response.content.decode()


@pytest.mark.parametrize("persona", ["kikaku", "sysadmin", "norole"])
def test_roles_without_resident_access__get_a_japanese_403(city_a, residents, persona: str) -> None:
    person = residents.person(city_a)
    client = verified_client(make_staff(city_a, persona))
    for url in (reverse("staff:residents:search"), reverse("staff:residents:person", args=[person.pk])):
        response = client.get(url)
        assert response.status_code == 403
        assert "権限がありません" in response.content.decode()


def test_read_only_role__cannot_register_movements(city_a, residents) -> None:
    person = residents.person(city_a)
    client = verified_client(make_staff(city_a, "hoken"))
    assert client.get(reverse("staff:residents:person", args=[person.pk])).status_code == 200
    url = reverse("staff:residents:movement", args=[person.pk, "death"])
    response = client.post(url, {"occurred_on": "2024-01-01", "notified_on": "2024-01-02"})
    assert response.status_code == 403
    person.refresh_from_db()
    assert not person.is_removed


def test_csrf_failure__is_a_japanese_page(city_a) -> None:
    client = Client(enforce_csrf_checks=True)
    response = client.post(reverse("staff:login"), {"username": "x", "password": "y"})
    assert response.status_code == 403
    assert "有効期限が切れました" in response.content.decode()
