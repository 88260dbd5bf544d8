from __future__ import annotations

from collections.abc import Iterator

import pytest

from madoguchi.line.models import LineChannel
from madoguchi.line.sandbox.server import LineSandbox

SECRET = "test-channel-secret-0123456789abcdef"
TOKEN = "test-access-token"


@pytest.fixture
def line_sandbox() -> Iterator[LineSandbox]:
    sandbox = LineSandbox(access_token=TOKEN, channel_secret=SECRET).start()
    yield sandbox
    sandbox.stop()


@pytest.fixture
def channel(city_a, line_sandbox: LineSandbox) -> LineChannel:
    return LineChannel.objects.create(
        municipality=city_a,
        channel_id="1234567890",
        channel_secret=SECRET,
        access_token=TOKEN,
        api_base_url=line_sandbox.base_url,
    )
