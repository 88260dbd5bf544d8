"""`madoguchi demo` really starts: migrates, seeds, serves, runs the worker, stops on Ctrl-C, and reuses data."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _run_demo(var_dir: Path, port: int, sandbox_port: int) -> tuple[str, int]:
    env = {
        k: v for k, v in os.environ.items() if k not in ("DJANGO_SETTINGS_MODULE", "DATABASE_URL", "MADOGUCHI_TESTING")
    }
    env["MADOGUCHI_VAR_DIR"] = str(var_dir)
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "madoguchi.cli",
            "demo",
            f"--port={port}",
            "--residents=300",
            "--friends=500",
            f"--sandbox-port={sandbox_port}",
        ],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    output: list[str] = []
    deadline = time.monotonic() + 120
    assert proc.stdout is not None
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line:
            break
        output.append(line)
        if "Ctrl-C" in line:
            break
    text = "".join(output)
    try:
        assert f"http://127.0.0.1:{port}/" in text, text
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/staff/login/", timeout=10) as response:
            body = response.read().decode()
        assert "デモ環境です" in body and "shimin-clerk" in body
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/static/madoguchi/madoguchi.css", timeout=10) as response:
            assert response.status == 200
        # The phone page talks to the sandbox the demo started; the rich menus were created there.
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/demo/phone/", timeout=10) as response:
            assert "友だち追加" in response.read().decode()
        with urllib.request.urlopen(f"http://127.0.0.1:{sandbox_port}/sandbox/summary", timeout=10) as response:
            assert response.status == 200
    finally:
        proc.send_signal(signal.SIGINT)
        rest, _ = proc.communicate(timeout=30)
    return text + rest, proc.returncode


def test_demo__serves_prints_logins_stops_cleanly_and_reuses_data(tmp_path: Path) -> None:
    first, code = _run_demo(tmp_path, _free_port(), _free_port())
    assert code == 0, first
    for username in ("shimin-clerk", "shimin-chief", "hoken-clerk", "kikaku-admin", "sysadmin"):
        assert username in first
    assert "seeded" in first and "/demo/phone/" in first
    assert (tmp_path / "madoguchi.sqlite3").exists()
    import sqlite3

    with sqlite3.connect(tmp_path / "madoguchi.sqlite3") as db:
        assert db.execute("PRAGMA journal_mode").fetchone()[0].lower() == "wal"
    second, code = _run_demo(tmp_path, _free_port(), _free_port())
    assert code == 0 and "already seeded" in second
