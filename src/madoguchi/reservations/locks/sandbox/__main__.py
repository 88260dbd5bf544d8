"""Run the smart-lock sandbox on loopback: ``python -m madoguchi.reservations.locks.sandbox --port 8203``."""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import sys

from madoguchi.reservations.locks.sandbox.server import LockSandbox
from madoguchi.reservations.locks.sandbox.state import DEFAULT_LOCKS


def _lock(text: str) -> tuple[str, str, str]:
    """``ID=NAME`` or ``ID=NAME:TYPE`` (type defaults to ``lock``)."""
    lock_id, _, rest = text.partition("=")
    name, _, kind = rest.rpartition(":") if ":" in rest else (rest, "", "lock")
    if not lock_id or not name:
        raise argparse.ArgumentTypeError("--lock ID=NAME[:TYPE]")
    return lock_id, name, kind or "lock"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="madoguchi lock sandbox", description="RemoteLOCK API sandbox (loopback)")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8203)
    parser.add_argument("--client-id", default=os.environ.get("LOCK_SANDBOX_CLIENT_ID", "demo-lock-client"))
    parser.add_argument("--client-secret", default=os.environ.get("LOCK_SANDBOX_CLIENT_SECRET", "demo-lock-secret"))
    parser.add_argument("--webhook-url", default="", help="madoguchi's lock webhook URL (loopback)")
    parser.add_argument(
        "--webhook-secret", default=os.environ.get("LOCK_SANDBOX_WEBHOOK_SECRET", "demo-lock-webhook-secret")
    )
    parser.add_argument("--lock", type=_lock, action="append", help="a device, ID=NAME[:TYPE]; repeatable")
    parser.add_argument("--sync-delay", type=float, default=1.0, help="seconds from a grant to its sync event")
    parser.add_argument("--latency-ms", type=int, default=0)
    parser.add_argument("--rate-limit", type=int, default=120, help="requests per minute")
    parser.add_argument("--token-ttl", type=int, default=7200, help="access token lifetime, seconds")
    args = parser.parse_args(argv)
    sandbox = LockSandbox(
        client_id=args.client_id,
        client_secret=args.client_secret,
        webhook_url=args.webhook_url,
        webhook_secret=args.webhook_secret,
        host=args.host,
        port=args.port,
        locks=args.lock or DEFAULT_LOCKS,
    )
    state = sandbox.state
    state.sync_delay, state.latency_ms = args.sync_delay, args.latency_ms
    state.rate_limit, state.token_ttl = args.rate_limit, args.token_ttl
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    print(f"Smart-lock sandbox: {sandbox.base_url}", flush=True)
    with contextlib.suppress(KeyboardInterrupt):
        sandbox.serve_forever()
    return 0


if __name__ == "__main__":
    sys.exit(main())
