"""Logging helpers. Log lines carry the request id so support can follow a request
without anybody's name, address or number appearing in the log."""

from __future__ import annotations

import logging

from madoguchi.core import context


class RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        ctx = context.current()
        record.request_id = ctx.request_id if ctx else "-"
        return True
