"""Every staff page a clerk uses passes axe-core (WCAG 2.1 AA) at 360 px, errors included."""

from __future__ import annotations

import pytest
from django.conf import settings

from ..conftest import make_staff, verified_client
from .conftest import axe_violations, fits_width, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _signed_in(browser, live_server, user):
    """A 360 px browser context carrying the session of a client that passed the second factor."""
    client = verified_client(user)
    context = browser.new_context(viewport={"width": 360, "height": 740}, locale="ja-JP")
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    context.add_cookies([{"name": cookie.key, "value": cookie.value, "url": live_server.url}])
    return context


def test_clerk_pages__pass_axe_at_360px(live_server, browser, city_a, residents) -> None:
    family = residents.family(city_a)
    clerk = make_staff(city_a, "chief")
    context = _signed_in(browser, live_server, clerk)
    page = context.new_page()
    head = family["head"]
    pages = {
        "10-home": "/staff/",
        "11-household": f"/staff/residents/households/{head.household_id}/",
        "12-history": f"/staff/residents/people/{head.pk}/history/",
        "13-move-within": f"/staff/residents/people/{head.pk}/movements/move_within/",
        "14-head-change": f"/staff/residents/people/{head.pk}/movements/head_change/",
        "15-move-in": "/staff/residents/move-in/",
        "16-audit-all": "/staff/audit/?scope=all",
    }
    for name, path in pages.items():
        page.goto(live_server.url + path)
        screenshot(page, name)
        assert axe_violations(page) == [], name
        assert fits_width(page), name

    # A form sent with mistakes: the error summary and the messages beside fields pass too.
    page.goto(live_server.url + f"/staff/residents/people/{head.pk}/movements/move_within/")
    page.get_by_label("異動日").fill("あした")
    page.get_by_label("郵便番号").fill("123")
    page.get_by_role("button", name="登録する").click()
    page.wait_for_load_state()
    assert page.get_by_role("alert").is_visible()
    assert page.get_by_label("異動日").input_value() == "あした"
    screenshot(page, "17-form-errors")
    assert axe_violations(page) == []
    assert fits_width(page)
    context.close()


def test_forbidden_page__passes_axe(live_server, browser, city_a, residents) -> None:
    person = residents.person(city_a)
    context = _signed_in(browser, live_server, make_staff(city_a, "kikaku"))
    page = context.new_page()
    response = page.goto(f"{live_server.url}/staff/residents/people/{person.pk}/")
    assert response.status == 403
    assert "権限がありません" in page.content()
    screenshot(page, "18-403")
    assert axe_violations(page) == []
    context.close()
