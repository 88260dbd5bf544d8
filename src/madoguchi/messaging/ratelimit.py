"""Token buckets per channel and endpoint, shared by the sending threads of one process.

LINE's limits are per channel (multicast 200 req/s, push 2,000 req/s). Several worker
processes each take ``rate / MESSAGING_WORKERS``; a 429 that still slips through is
retried with backoff, never lost.
"""

from __future__ import annotations

import threading
import time

from django.conf import settings

DEFAULT_RATES = {"multicast": 200.0, "push": 2000.0, "reply": 2000.0, "email": 20.0}


class TokenBucket:
    def __init__(self, rate: float, burst: float | None = None) -> None:
        self.rate = rate
        self.capacity = burst if burst is not None else max(1.0, rate / 10)
        self.tokens = self.capacity
        self.updated = time.monotonic()
        self.lock = threading.Lock()

    def acquire(self) -> None:
        """Block until a token is available."""
        while True:
            with self.lock:
                now = time.monotonic()
                self.tokens = min(self.capacity, self.tokens + (now - self.updated) * self.rate)
                self.updated = now
                if self.tokens >= 1:
                    self.tokens -= 1
                    return
                wait = (1 - self.tokens) / self.rate
            time.sleep(wait)


_buckets: dict[tuple[int, str], TokenBucket] = {}
_lock = threading.Lock()


def bucket(channel_pk: int, endpoint: str) -> TokenBucket:
    with _lock:
        key = (channel_pk, endpoint)
        if key not in _buckets:
            rates = {**DEFAULT_RATES, **getattr(settings, "MESSAGING_RATE_LIMITS", {})}
            workers = max(1, int(getattr(settings, "MESSAGING_WORKERS", 1)))
            _buckets[key] = TokenBucket(rates[endpoint] / workers)
        return _buckets[key]


def reset() -> None:
    with _lock:
        _buckets.clear()
