"""Run the LINE sandbox on loopback: ``python -m madoguchi.line.sandbox --port 8201``."""

from __future__ import annotations

import argparse
import contextlib
import signal
import sys

from madoguchi.line.sandbox.server import LineSandbox


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="madoguchi sandbox", description="LINE Messaging API sandbox (loopback)")
    parser.add_argument("--port", type=int, default=8201)
    parser.add_argument("--token", default="demo-channel-access-token")
    parser.add_argument("--secret", default="demo-channel-secret")
    parser.add_argument("--latency-ms", type=int, default=0)
    parser.add_argument("--failure-rate", type=float, default=0.0)
    parser.add_argument("--multicast-rate", type=float, default=200.0)
    parser.add_argument("--webhook-url", default="", help="madoguchi's webhook URL, for simulated residents' events")
    args = parser.parse_args(argv)
    sandbox = LineSandbox(
        access_token=args.token, channel_secret=args.secret, port=args.port, webhook_url=args.webhook_url
    )
    sandbox.state.latency_ms = args.latency_ms
    sandbox.state.failure_rate = args.failure_rate
    sandbox.state.buckets["multicast"].rate = args.multicast_rate
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    print(f"LINE sandbox: {sandbox.base_url}", flush=True)
    with contextlib.suppress(KeyboardInterrupt):
        sandbox.serve_forever()
    return 0


if __name__ == "__main__":
    sys.exit(main())
