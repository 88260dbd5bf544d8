"""Headless Chromium (Debian's) driven by Playwright, with axe-core for accessibility.

Outside CI a missing browser skips these tests; with CI=true it fails them.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
SCREENSHOTS = ROOT / "test-results" / "screenshots"
CI = os.environ.get("CI", "").lower() == "true"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-quic",
    "--disable-sync",
]


def _missing(what: str) -> None:
    if CI:
        pytest.fail(f"{what} is required in CI (CI=true) but missing", pytrace=False)
    pytest.skip(f"{what} not installed")


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    if not Path(CHROMIUM).exists():
        _missing(f"Chromium ({CHROMIUM})")
    if not AXE.exists():
        _missing("axe-core (run `npm ci`)")
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's sync API runs an event loop
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture
def phone(browser) -> Iterator[object]:
    """A 360 px wide phone screen, Japanese locale."""
    context = browser.new_context(viewport={"width": 360, "height": 740}, locale="ja-JP", device_scale_factor=1)
    page = context.new_page()
    yield page
    context.close()


def axe_violations(page) -> list[dict]:
    """Run axe-core (WCAG 2.1 A/AA rules, which JIS X 8341-3:2016 AA follows) on the page."""
    page.add_script_tag(path=str(AXE))
    result = page.evaluate(
        "async () => await axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a','wcag2aa','wcag21a','wcag21aa']}})"
    )
    return [
        {"id": v["id"], "help": v["help"], "nodes": [n["target"] for n in v["nodes"]][:5]} for v in result["violations"]
    ]


def fits_width(page) -> bool:
    return page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth")


def screenshot(page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def check_page(page, name: str) -> None:
    """Screenshot, then the page must pass axe and fit a 360 px screen."""
    screenshot(page, name)
    assert axe_violations(page) == [], name
    assert fits_width(page), f"{name} is wider than 360 px"


def staff_page(browser, live_server, user):
    """A 360 px page signed in as ``user`` (password, then the TOTP code), on the staff home page."""
    from django_otp.oath import TOTP
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.create(user=user, name="app", confirmed=True)
    page = browser.new_context(viewport={"width": 360, "height": 740}, locale="ja-JP").new_page()
    page.goto(f"{live_server.url}/staff/login/")
    page.get_by_label("ユーザー名").fill(user.username)
    page.get_by_label("パスワード").fill("pw-for-tests-only")
    page.get_by_role("button", name="ログイン").click()
    page.wait_for_url("**/staff/otp/**")
    page.get_by_label("確認コード（6桁）").fill(
        str(TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift).token()).zfill(6)
    )
    page.get_by_role("button", name="確認").click()
    page.wait_for_url(f"{live_server.url}/staff/")
    return page
