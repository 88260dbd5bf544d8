"""The `madoguchi` command.

madoguchi demo            embedded SQLite, seeded demo data, web server + worker
madoguchi serve           production web server (gunicorn + whitenoise)
madoguchi worker          background task worker (run as many as you like)
madoguchi seed            demo data (--residents N for scale tests)
madoguchi audit verify    check the audit trail's hash chain
madoguchi tick            run the recurring jobs that are due (cron alternative to the worker's clock)
madoguchi migrate | createstaff | manage ...
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path


def _django_setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "madoguchi.settings")
    import django

    django.setup()


def _manage(*args: str) -> None:
    _django_setup()
    from django.core.management import call_command

    call_command(*args)


def _python() -> list[str]:
    return [sys.executable, "-m", "madoguchi.cli"]


def cmd_demo(args: argparse.Namespace) -> int:
    os.environ["MADOGUCHI_DEMO"] = "1"
    var_dir = Path(os.environ.setdefault("MADOGUCHI_VAR_DIR", str(Path.cwd() / "var")))
    var_dir.mkdir(parents=True, exist_ok=True)
    _django_setup()
    from django.conf import settings
    from django.core.management import call_command

    host, port = args.host, args.port
    url = f"http://{host}:{port}/"
    sandbox_url = f"http://127.0.0.1:{args.sandbox_port}"
    payments_port = args.payments_sandbox_port or args.sandbox_port + 1
    payments_sandbox_url = f"http://127.0.0.1:{payments_port}"
    locks_port = args.sandbox_port + 2
    locks_sandbox_url = f"http://127.0.0.1:{locks_port}"
    os.environ.setdefault("SITE_URL", url.rstrip("/"))
    print("madoguchi デモを準備しています… (Preparing the demo…)", flush=True)
    call_command("migrate", interactive=False, verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)
    call_command("seed", residents=args.residents, verbosity=1)
    call_command("seed_line", sandbox_url=sandbox_url, friends=args.friends, verbosity=1)
    call_command("seed_payments", sandbox_url=payments_sandbox_url, verbosity=1)
    call_command("seed_reservations", lock_url=locks_sandbox_url, verbosity=1)

    from madoguchi.messaging.demo import DEMO_ACCESS_TOKEN, DEMO_CHANNEL_ID, DEMO_CHANNEL_SECRET

    env = {**os.environ, "MADOGUCHI_DEMO": "1", "MADOGUCHI_VAR_DIR": str(var_dir)}
    # The LINE platform's stand-in: residents' webhook events come from it, the city's messages go to it.
    sandbox = subprocess.Popen(
        [
            *_python(),
            "sandbox",
            f"--port={args.sandbox_port}",
            f"--token={DEMO_ACCESS_TOKEN}",
            f"--secret={DEMO_CHANNEL_SECRET}",
            f"--webhook-url={url}line/webhook/{DEMO_CHANNEL_ID}/",
        ],
        env=env,
    )
    # The payment gateway's stand-in: its checkout page, refunds, and signed notifications to us.
    from madoguchi.payments.demo import DEMO_GATEWAY_CODE

    payments_sandbox = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "madoguchi.payments.sandbox",
            f"--port={payments_port}",
            f"--notify-url={url}payments/notify/{DEMO_GATEWAY_CODE}/",
        ],
        env=env,
    )
    # The smart-lock service's stand-in (RemoteLOCK's API): access guests, PINs, signed lock events.
    from madoguchi.core.demo import KITAIBARAKI
    from madoguchi.reservations import demo as reservations_demo

    locks_sandbox = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "madoguchi.reservations.locks.sandbox",
            f"--port={locks_port}",
            f"--client-id={reservations_demo.DEMO_LOCK_CLIENT_ID}",
            f"--client-secret={reservations_demo.DEMO_LOCK_CLIENT_SECRET}",
            f"--webhook-url={url}reservations/locks/webhook/{KITAIBARAKI[0]}/",
            f"--webhook-secret={reservations_demo.DEMO_LOCK_WEBHOOK_SECRET}",
        ],
        env=env,
    )
    web = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "madoguchi.wsgi:application",
            "--bind",
            f"{host}:{port}",
            "--workers",
            "2",
            "--threads",
            "4",
            "--access-logfile",
            "-",
            "--access-logformat",
            '%(h)s "%(m)s %(U)s" %(s)s %(M)sms',
            "--log-level",
            "warning",
            "--graceful-timeout",
            "5",
        ],
        env=env,
    )
    worker = subprocess.Popen([*_python(), "worker"], env=env)
    from madoguchi.core.demo import DEMO_ACCOUNTS, DEMO_PASSWORD

    if (
        not _wait_for(url + "healthz", web)
        or not _wait_for(sandbox_url + "/sandbox/summary", sandbox)
        or not _wait_for(payments_sandbox_url + "/sandbox/calls", payments_sandbox)
        or not _wait_for(locks_sandbox_url + "/sandbox/summary", locks_sandbox)
    ):
        print("Web server or a sandbox did not start. / 起動できませんでした。", file=sys.stderr)
        _stop(web, worker, sandbox, payments_sandbox, locks_sandbox)
        return 1
    _demo_rich_menus()
    print()
    print("=" * 64)
    print(f"  madoguchi デモ: {url}")
    print(f"  職員用画面 (staff console): {url}staff/")
    print(f"  スマホ市役所を試す (the LINE phone demo): {url}demo/phone/")
    print(f"  LINEサンドボックス (LINE sandbox): {sandbox_url}")
    print(f"  決済サンドボックス (payment gateway sandbox): {payments_sandbox_url}")
    print(f"  スマートロックのサンドボックス (smart-lock sandbox): {locks_sandbox_url}")
    print(f"  施設予約 (facility booking): {url}reservations/")
    print(f"  データベース (database): {settings.DATABASES['default']['NAME']}")
    print(f"  デモ用ログイン（パスワードは共通 / password for all）: {DEMO_PASSWORD}")
    for account in DEMO_ACCOUNTS:
        print(
            f"    {account.username:<16} {account.description}"
            + ("（高萩市）" if account.municipality_code != "082155" else "")
        )
    print("  Ctrl-C で終了します (Ctrl-C stops the server and the worker).")
    print("=" * 64, flush=True)

    stopping = False

    def _on_signal(signum: int, frame: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, _on_signal)
    signal.signal(signal.SIGTERM, _on_signal)
    while not stopping:
        if any(p.poll() is not None for p in (web, worker, sandbox, payments_sandbox, locks_sandbox)):
            print("A process ended unexpectedly; stopping. / プロセスが終了したため停止します。", file=sys.stderr)
            break
        time.sleep(0.5)
    _stop(web, worker, sandbox, payments_sandbox, locks_sandbox)
    print("停止しました。(Stopped.)")
    return 0


def _demo_rich_menus() -> None:
    """The sandbox keeps rich menus in memory: create them again on every start."""
    from madoguchi.line.models import LineChannel
    from madoguchi.line.richmenu import rich_menus_default, rich_menus_sync

    for channel in LineChannel.objects.select_related("municipality"):
        rich_menus_default(channel.municipality)
        rich_menus_sync(channel)


def _wait_for(url: str, proc: subprocess.Popen[bytes], timeout: float = 60) -> bool:
    import urllib.request

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            return False
        try:
            with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 - loopback only
                if response.status == 200:
                    return True
        except OSError:
            time.sleep(0.3)
    return False


def _stop(*procs: subprocess.Popen[bytes]) -> None:
    for proc in procs:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
    for proc in procs:
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def cmd_serve(args: argparse.Namespace) -> int:
    _django_setup()
    from django.core.management import call_command

    call_command("collectstatic", interactive=False, verbosity=0)
    cmd = [
        sys.executable,
        "-m",
        "gunicorn",
        "madoguchi.wsgi:application",
        "--bind",
        args.bind,
        "--workers",
        str(args.workers),
        "--threads",
        str(args.threads),
        # Load the application once, before forking: a worker answers its first request (a
        # webhook burst right after a deploy, say) without first importing everything.
        "--preload",
        "--access-logfile",
        "-",
        "--access-logformat",
        '%(h)s "%(m)s %(U)s" %(s)s %(M)sms %({x-request-id}o)s',
    ]
    # Access logs record the path without the query string (%(U)s): no search words in logs.
    os.execv(sys.executable, cmd)


def cmd_worker(args: argparse.Namespace) -> int:
    _django_setup()
    from django.core.management import call_command

    from madoguchi.line.services import webhook_events_stalled
    from madoguchi.line.tasks import process_webhook_events
    from madoguchi.messaging.services import jobs_resume
    from madoguchi.messaging.tasks import run_delivery_job

    # Jobs a killed worker left behind are queued again; batches already sent are not resent.
    for job_id in jobs_resume():
        run_delivery_job.enqueue(job_id)
    # Webhook events whose worker stopped before handling them (each is still handled only once).
    stalled = webhook_events_stalled()
    if stalled:
        process_webhook_events.enqueue(stalled)
    # Gateway refunds a stopped worker left unsent, and intents that expired while no worker ran.
    from madoguchi.payments.tasks import expire_overdue, refunds_retry

    refunds_retry.enqueue()
    expire_overdue.enqueue()
    options: dict[str, object] = {"queue_name": "*"}
    if args.batch:
        options["batch"] = True
        call_command("db_worker", **options)
        return 0
    # The clock: recurring jobs (expire holds, send e-keys, retention) run from every worker, once each.
    import threading

    from madoguchi.core import schedule

    stop = threading.Event()
    clock_thread = threading.Thread(target=schedule.run_forever, args=(stop,), name="schedule", daemon=True)
    clock_thread.start()
    try:
        call_command("db_worker", **options)
    finally:
        stop.set()
    return 0


def cmd_tick(args: argparse.Namespace) -> int:
    _django_setup()
    from madoguchi.core import schedule

    ran = schedule.tick()
    print("tick: " + (", ".join(ran) if ran else "nothing due"))
    return 0


def cmd_seed(args: argparse.Namespace) -> int:
    _manage("seed", f"--residents={args.residents}")
    return 0


def cmd_audit(args: argparse.Namespace) -> int:
    _django_setup()
    from madoguchi.core.audit import verify_all
    from madoguchi.core.models import AuditEvent, Municipality

    problems = verify_all()
    if problems:
        for problem in problems:
            print(f"NG {problem.describe()}")
        print(f"audit verify: FAILED — first broken link: {problems[0].describe()}")
        return 1
    count = AuditEvent.objects.count()
    print(f"audit verify: OK — {count} events in {Municipality.objects.count()} chains, no broken link")
    return 0


def cmd_retention(args: argparse.Namespace) -> int:
    _django_setup()
    from madoguchi.core.retention import retention_sweep_run

    removed = retention_sweep_run()
    print("retention: " + ", ".join(f"{name}={count}" for name, count in removed.items()))
    return 0


def cmd_sandbox(args: argparse.Namespace) -> int:
    from madoguchi.line.sandbox.__main__ import main as sandbox_main

    return sandbox_main(args.rest)


def cmd_migrate(args: argparse.Namespace) -> int:
    _manage("migrate", "--no-input")
    return 0


def cmd_createstaff(args: argparse.Namespace) -> int:
    _manage(
        "createstaff",
        args.username,
        f"--municipality={args.municipality}",
        f"--department={args.department}",
        f"--role={args.role}",
    )
    return 0


def cmd_manage(args: argparse.Namespace) -> int:
    _django_setup()
    from django.core.management import execute_from_command_line

    execute_from_command_line(["madoguchi manage", *args.rest])
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="madoguchi", description="行かない・書かない・待たない窓口")
    sub = parser.add_subparsers(dest="command", required=True)

    demo = sub.add_parser("demo", help="seeded demo on embedded SQLite: web server and worker")
    demo.add_argument("--host", default="127.0.0.1")
    demo.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
    demo.add_argument("--residents", type=int, default=41000)
    demo.add_argument("--friends", type=int, default=20000, help="simulated LINE friends")
    demo.add_argument("--sandbox-port", type=int, default=int(os.environ.get("SANDBOX_PORT", "8201")))
    demo.add_argument(
        "--payments-sandbox-port",
        type=int,
        default=int(os.environ.get("PAYMENTS_SANDBOX_PORT", "0")),
        help="payment gateway sandbox (default: the LINE sandbox's port + 1, i.e. 8202)",
    )
    demo.set_defaults(func=cmd_demo)

    serve = sub.add_parser("serve", help="production web server")
    serve.add_argument("--bind", default=os.environ.get("BIND", "0.0.0.0:8000"))
    serve.add_argument("--workers", type=int, default=int(os.environ.get("WEB_CONCURRENCY", "2")))
    serve.add_argument("--threads", type=int, default=4)
    serve.set_defaults(func=cmd_serve)

    worker = sub.add_parser("worker", help="background task worker")
    worker.add_argument("--batch", action="store_true", help="run the queue empty, then exit")
    worker.set_defaults(func=cmd_worker)

    seed = sub.add_parser("seed", help="create demo data if the database is empty")
    seed.add_argument("--residents", type=int, default=41000)
    seed.set_defaults(func=cmd_seed)

    audit = sub.add_parser("audit", help="audit trail tools")
    audit_sub = audit.add_subparsers(dest="audit_command", required=True)
    verify = audit_sub.add_parser("verify", help="verify the hash chain; exit 1 at the first broken link")
    verify.set_defaults(func=cmd_audit)

    tick = sub.add_parser("tick", help="run the recurring jobs that are due (for cron instead of a worker)")
    tick.set_defaults(func=cmd_tick)

    retention = sub.add_parser("retention", help="delete data past its retention period (run daily)")
    retention.set_defaults(func=cmd_retention)

    sandbox = sub.add_parser("sandbox", help="LINE Messaging API sandbox on loopback (--port, --latency-ms …)")
    sandbox.add_argument("rest", nargs=argparse.REMAINDER)
    sandbox.set_defaults(func=cmd_sandbox)

    migrate = sub.add_parser("migrate", help="apply database migrations")
    migrate.set_defaults(func=cmd_migrate)

    createstaff = sub.add_parser("createstaff", help="create a staff account with a department role")
    createstaff.add_argument("username")
    createstaff.add_argument("--municipality", required=True)
    createstaff.add_argument("--department", required=True)
    createstaff.add_argument("--role", required=True, choices=["clerk", "supervisor", "admin", "system_admin"])
    createstaff.set_defaults(func=cmd_createstaff)

    manage = sub.add_parser("manage", help="any Django management command")
    manage.add_argument("rest", nargs=argparse.REMAINDER)
    manage.set_defaults(func=cmd_manage)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["sandbox"]:
        # argparse's REMAINDER does not take options (``--port=…``) that come first; pass them on whole.
        return cmd_sandbox(argparse.Namespace(rest=argv[1:]))
    args = build_parser().parse_args(argv)
    return int(args.func(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
