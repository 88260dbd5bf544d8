"""Run the payment sandbox on loopback: ``python -m madoguchi.payments.sandbox --port 8202``."""

from __future__ import annotations

import argparse
import contextlib
import signal
import sys

from madoguchi.payments.sandbox.server import PaymentSandbox

DEMO_API_KEY = "sk_sandbox_demo_key"
DEMO_SIGNING_SECRET = "whsec_sandbox_demo_signing_secret"  # noqa: S105 - by design


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m madoguchi.payments.sandbox", description="Payment gateway sandbox (loopback)"
    )
    parser.add_argument("--port", type=int, default=8202)
    parser.add_argument("--api-key", default=DEMO_API_KEY)
    parser.add_argument("--secret", default=DEMO_SIGNING_SECRET, help="the notifications' signing secret")
    parser.add_argument("--notify-url", default="", help="madoguchi's notification URL when a session names none")
    args = parser.parse_args(argv)
    sandbox = PaymentSandbox(
        api_key=args.api_key, signing_secret=args.secret, port=args.port, notify_url=args.notify_url
    )
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    print(f"Payment sandbox: {sandbox.base_url}", flush=True)
    with contextlib.suppress(KeyboardInterrupt):
        sandbox.serve_forever()
    return 0


if __name__ == "__main__":
    sys.exit(main())
