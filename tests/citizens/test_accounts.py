"""Resident accounts: e-mail sign-in, counter codes that link to the register, 受信設定, who a segment reaches."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import time_machine
from django.core import mail
from django.test import Client

from madoguchi.citizens import selectors, services
from madoguchi.citizens.models import Citizen, CitizenInterest, LineIdentity, LinkCode, PreferredChannel, School
from madoguchi.citizens.signals import citizen_link_changed
from madoguchi.core import clock
from madoguchi.core.errors import DomainError
from madoguchi.core.models import AuditEvent
from madoguchi.residents.models import ResidentStatus

from ..conftest import make_staff, verified_client

pytestmark = pytest.mark.django_db(transaction=True)


def _citizen(city, **fields) -> Citizen:
    return Citizen.objects.create(municipality=city, created_at=clock.now(), **fields)


def _signed_in(citizen: Citizen) -> Client:
    client = Client()
    session = client.session
    session["citizen_id"] = citizen.pk
    session.save()
    return client


# --- e-mail sign-in -----------------------------------------------------------------


def _link_in(message: str) -> str:
    found = re.search(r"http://testserver(/my/login/email/[^/]+/)\?next=(\S+)", message)
    assert found, message
    return found.group(1)


def test_email_sign_in_link_works_once_and_verifies_the_address(city_a) -> None:
    client = Client()
    response = client.post("/my/login/", {"email": "ＴＡＲＯ@Example.jp", "next": "/my/preferences/"})
    assert response.status_code == 200
    assert "メールを送りました" in response.content.decode()
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["taro@example.jp"]
    path = _link_in(mail.outbox[0].body)

    # Opening the link (a mail scanner might) does not spend it; pressing the button does.
    assert client.get(path).status_code == 200
    response = client.post(path, {"next": "/my/preferences/"})
    assert response.status_code == 302 and response["Location"] == "/my/preferences/"
    citizen = Citizen.objects.get(email="taro@example.jp")
    assert citizen.email_verified_at is not None
    assert client.get("/my/preferences/").status_code == 200

    stranger = Client()
    assert "すでに使われています" in stranger.post(path, {}).content.decode()
    assert stranger.get("/my/").status_code == 302  # the spent link signed nobody in


def test_email_sign_in_link_keeps_a_return_page_with_its_own_query(city_a) -> None:
    client = Client()
    client.post("/my/login/", {"email": "jiro@example.jp", "next": "/my/link/?from=menu&tab=1"})
    found = re.search(r"http://testserver(/my/login/email/[^/]+/\?\S+)", mail.outbox[0].body)
    assert found, mail.outbox[0].body
    page = client.get(found.group(1)).content.decode()
    assert 'value="/my/link/?from=menu&amp;tab=1"' in page  # whole, not cut at the "&"


def test_email_sign_in_link_expires(city_a) -> None:
    with time_machine.travel(dt.datetime(2026, 11, 25, 10, 0, tzinfo=dt.UTC), tick=False):
        Client().post("/my/login/", {"email": "hanako@example.jp"})
    path = _link_in(mail.outbox[0].body)
    with time_machine.travel(dt.datetime(2026, 11, 25, 10, 16, tzinfo=dt.UTC), tick=False):
        client = Client()
        response = client.post(path, {})
    assert "期限" in response.content.decode()
    assert client.get("/my/").status_code == 302  # still not signed in


def test_bad_email_keeps_what_was_typed_and_explains(city_a) -> None:
    response = Client().post("/my/login/", {"email": "taro@@example"})
    body = response.content.decode()
    assert "メールアドレスの形式が正しくありません" in body
    assert 'value="taro@@example"' in body
    assert not mail.outbox


def test_pages_need_sign_in(city_a) -> None:
    for path in ("/my/", "/my/preferences/", "/my/link/"):
        response = Client().get(path)
        assert response.status_code == 302
        assert response["Location"].startswith("/my/login/?next=")


# --- counter codes ---------------------------------------------------------------------


def test_counter_code_links_the_account_once_audited_and_signals(city_a, residents) -> None:
    clerk = make_staff(city_a, "clerk")
    person = residents.person(city_a)
    staff = verified_client(clerk)
    page = staff.post(f"/staff/citizens/link/{person.pk}/", {"action": "issue"})
    assert page.status_code == 200 and page["Cache-Control"] == "no-store"
    code = re.search(r"[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{2}", page.content.decode()).group(0)
    assert not LinkCode.objects.filter(code_hash__contains=code.replace("-", "")).exists()  # only a keyed hash

    received = []
    citizen_link_changed.connect(lambda **kw: received.append((kw["citizen_id"], kw["linked"])), weak=False)
    citizen = _citizen(city_a)
    resident = _signed_in(citizen)
    typed = code.lower().replace("-", " ")  # lower case, spaces instead of hyphens
    response = resident.post("/my/link/", {"action": "link", "code": typed})
    assert response.status_code == 302
    citizen.refresh_from_db()
    assert citizen.person_id == person.pk and citizen.linked_by_id == clerk.pk
    assert received[-1] == (citizen.pk, True)
    actions = list(AuditEvent.objects.filter(municipality=city_a).values_list("action", flat=True))
    assert "citizen.link_code_issue" in actions and "citizen.link" in actions

    # The code was spent: a second account cannot use it.
    other = _citizen(city_a)
    response = _signed_in(other).post("/my/link/", {"action": "link", "code": code})
    assert "すでに使われたか" in response.content.decode()
    other.refresh_from_db()
    assert other.person_id is None


def test_wrong_codes_lock_after_five_tries(city_a) -> None:
    citizen = _citizen(city_a)
    for _ in range(5):
        with pytest.raises(DomainError, match="正しくありません"):
            services.citizen_link(citizen=citizen, typed_code="AAAA-AAAA-AA")
    with pytest.raises(DomainError, match="しばらく入力できません"):
        services.citizen_link(citizen=citizen, typed_code="AAAA-AAAA-AA")
    assert AuditEvent.objects.filter(action="citizen.link_refused").count() == 5


def test_expired_and_replaced_codes_are_refused(city_a, residents) -> None:
    clerk = make_staff(city_a, "clerk")
    person = residents.person(city_a)
    first = services.link_code_issue(actor=clerk, person_id=person.pk)
    second = services.link_code_issue(actor=clerk, person_id=person.pk)
    with pytest.raises(DomainError, match="無効"):
        services.citizen_link(citizen=_citizen(city_a), typed_code=first.code)
    with time_machine.travel(second.expires_at + dt.timedelta(minutes=1)), pytest.raises(DomainError, match="有効期限"):
        services.citizen_link(citizen=_citizen(city_a), typed_code=second.code)


def test_codes_only_for_current_residents_of_the_staff_members_city(city_a, city_b, residents) -> None:
    clerk_b = make_staff(city_b, "clerk")
    person_a = residents.person(city_a)
    with pytest.raises(DomainError):
        services.link_code_issue(actor=clerk_b, person_id=person_a.pk)
    removed = residents.person(
        city_a, status=ResidentStatus.REMOVED, removed_on=dt.date(2025, 4, 1), removal_reason="move_out"
    )
    with pytest.raises(DomainError, match="除票"):
        services.link_code_issue(actor=make_staff(city_a, "clerk"), person_id=removed.pk)


@pytest.mark.parametrize("persona", ["hoken", "kikaku", "sysadmin", "norole"])
def test_only_shimin_staff_issue_codes(city_a, residents, persona) -> None:
    person = residents.person(city_a)
    response = verified_client(make_staff(city_a, persona)).post(
        f"/staff/citizens/link/{person.pk}/", {"action": "issue"}
    )
    assert response.status_code == 403
    assert not LinkCode.objects.exists()


def test_unlink_by_resident_and_by_staff(city_a, residents) -> None:
    clerk = make_staff(city_a, "clerk")
    person = residents.person(city_a)
    citizen = _citizen(city_a)
    services.citizen_link(citizen=citizen, typed_code=services.link_code_issue(actor=clerk, person_id=person.pk).code)

    staff = verified_client(clerk)
    refused = staff.post(f"/staff/citizens/link/{person.pk}/", {"action": "unlink", "reason": ""})
    assert "解除の理由を入力してください" in refused.content.decode()
    assert (
        staff.post(f"/staff/citizens/link/{person.pk}/", {"action": "unlink", "reason": "携帯電話の紛失"}).status_code
        == 302
    )
    citizen.refresh_from_db()
    assert citizen.person_id is None
    assert AuditEvent.objects.filter(action="citizen.unlink", reason="携帯電話の紛失", actor=clerk).exists()

    services.citizen_link(citizen=citizen, typed_code=services.link_code_issue(actor=clerk, person_id=person.pk).code)
    resident = _signed_in(citizen)
    assert "さんの住民記録と連携しています" in resident.get("/my/link/").content.decode()
    not_confirmed = resident.post("/my/link/", {"action": "unlink"})
    assert not_confirmed.status_code == 200
    citizen.refresh_from_db()
    assert citizen.person_id == person.pk
    assert resident.post("/my/link/", {"action": "unlink", "confirm": "on"}).status_code == 302
    citizen.refresh_from_db()
    assert citizen.person_id is None


# --- 受信設定 and segments --------------------------------------------------------------


def test_preferences_form_saves_and_refuses_email_without_verified_address(city_a) -> None:
    School.objects.create(municipality=city_a, name="磯原小学校")
    citizen = _citizen(city_a)
    client = _signed_in(citizen)
    page = client.get("/my/preferences/").content.decode()
    assert "磯原町磯原" in page and "<legend>受け取りたい情報" in page
    response = client.post(
        "/my/preferences/",
        {
            "area": "磯原町磯原",
            "age_band": "30代",
            "topics": ["防災", "子育て"],
            "schools": ["磯原小学校"],
            "preferred_channel": "line",
        },
    )
    assert response.status_code == 302
    assert selectors.citizen_preferences(citizen=citizen)["topic"] == ["防災", "子育て"]

    response = client.post("/my/preferences/", {"topics": ["防災"], "preferred_channel": "email"})
    assert response.status_code == 200
    assert "メールアドレスを確認してください" in response.content.decode()
    assert selectors.citizen_preferences(citizen=citizen)["topic"] == ["防災", "子育て"]  # nothing changed


def test_segments_split_line_and_email_and_filter_on_the_register(city_a, residents) -> None:
    def identity(n: int, **citizen_fields) -> LineIdentity:
        citizen = _citizen(city_a, **citizen_fields)
        return LineIdentity.objects.create(
            municipality=city_a,
            citizen=citizen,
            line_user_id=f"U{n:032x}",
            status="following",
            followed_at=citizen.created_at,
        )

    a = identity(1)
    b = identity(2, email="b@example.jp", email_verified_at=clock.now(), preferred_channel=PreferredChannel.EMAIL)
    c = identity(3)
    for item in (a, b):
        CitizenInterest.objects.create(citizen=item.citizen, kind="topic", value="防災")
    elderly = residents.person(city_a, birth_date=dt.date(1940, 1, 1), town="大津町")
    young = residents.person(city_a, birth_date=dt.date(2000, 1, 1), town="大津町")
    Citizen.objects.filter(pk=a.citizen_id).update(person=elderly)
    Citizen.objects.filter(pk=c.citizen_id).update(person=young)

    topic = {"topic": ["防災"]}
    assert list(selectors.line_recipients(municipality=city_a, filters=topic)) == [a]
    assert [x.pk for x in selectors.email_recipients(municipality=city_a, filters=topic)] == [b.citizen_id]
    assert list(selectors.line_recipients(municipality=city_a, filters={"registry_age": ["65-"]})) == [a]
    assert list(selectors.line_recipients(municipality=city_a, filters={"registry_age": ["20-29"]})) == [c]
    assert list(selectors.line_recipients(municipality=city_a, filters={"registry_town": ["大津町"]})) == [a, c]
    assert list(selectors.line_recipients(municipality=city_a, filters={})) == [a, c]
