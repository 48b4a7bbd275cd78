"""Start the harness as a separate OS process, wait until it is ready, and kill it like a crash would."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def start_harness(role: str, database_url: str, amqp_url: str, crash: str = "none") -> subprocess.Popen[str]:
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tests.messaging.harness",
            role,
            "--database-url",
            database_url,
            "--amqp-url",
            amqp_url,
            "--crash",
            crash,
        ],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    deadline = time.monotonic() + 30
    assert process.stdout is not None
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if line.strip() == "ready":
            return process
        if not line and process.poll() is not None:
            break
    process.kill()
    raise RuntimeError(f"harness {role} did not start")


def stop(process: subprocess.Popen[str]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(5)
