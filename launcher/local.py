"""Local services mode: each service (API + relay + consumers) as its own process, on PostgreSQL and
RabbitMQ at their usual local ports. Creates the three databases if they are missing.

    python -m launcher.local            (members :8001, orders :8002, billing :8003)
"""

from __future__ import annotations

import asyncio
import io
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import asyncpg
import httpx

from launcher.tokens import print_demo_tokens

ROOT = Path(__file__).resolve().parents[1]
SERVICES = {"members": 8001, "orders": 8002, "billing": 8003}


@dataclass
class ServiceProcess:
    name: str
    port: int
    process: subprocess.Popen[bytes]

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


async def ensure_databases(admin_dsn: str, names: list[str]) -> None:
    conn = await asyncpg.connect(admin_dsn)
    try:
        existing = {r["datname"] for r in await conn.fetch("SELECT datname FROM pg_database")}
        for name in names:
            if name not in existing:
                await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()


def start_service(name: str, port: int, env: Mapping[str, str], *, log_prefix: bool = True) -> ServiceProcess:
    """Start `python -m services.<name> serve --migrate` with `env` added to this process's environment."""
    full_env = {**os.environ, **env, f"{name.upper()}_PORT": str(port), "PYTHONUNBUFFERED": "1"}
    process = subprocess.Popen(  # noqa: S603 - our own interpreter and module, no user input
        [sys.executable, "-m", f"services.{name}", "serve", "--migrate"],
        cwd=ROOT,
        env=full_env,
        stdout=subprocess.PIPE if log_prefix else subprocess.DEVNULL,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    if log_prefix and process.stdout is not None:
        threading.Thread(target=_prefix_output, args=(name, process.stdout), daemon=True).start()
    return ServiceProcess(name, port, process)


def _prefix_output(name: str, stream: object) -> None:
    for line in iter(stream.readline, b""):  # type: ignore[attr-defined]
        sys.stdout.write(f"[{name}] {line.decode(errors='replace')}")
        sys.stdout.flush()


def wait_ready(services: list[ServiceProcess], timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    pending = list(services)
    while pending and time.monotonic() < deadline:
        for service in list(pending):
            if service.process.poll() is not None:
                raise RuntimeError(f"{service.name} exited with {service.process.returncode}")
            try:
                if httpx.get(f"{service.base_url}/readyz", timeout=2).status_code == 200:
                    pending.remove(service)
            except httpx.HTTPError:
                pass
        time.sleep(0.2)
    if pending:
        raise TimeoutError(f"not ready in {timeout}s: {[s.name for s in pending]}")


def stop_all(services: list[ServiceProcess], sig: int = signal.SIGTERM) -> None:
    for service in services:
        if service.process.poll() is None:
            os.killpg(service.process.pid, sig)
    for service in services:
        try:
            service.process.wait(15)
        except subprocess.TimeoutExpired:
            os.killpg(service.process.pid, signal.SIGKILL)
            service.process.wait(5)


def main() -> None:
    pg = os.environ.get("ENT_PG_URL", "postgresql://postgres@127.0.0.1:5432")
    asyncio.run(ensure_databases(f"{pg}/postgres", [f"ent_{name}" for name in SERVICES]))
    env = {
        "ENT_BROKER": "rabbitmq",
        "ENT_AMQP_URL": os.environ.get("ENT_AMQP_URL", "amqp://guest:guest@127.0.0.1:5672/"),
        **{
            f"{name.upper()}_DATABASE_URL": pg.replace("postgresql://", "postgresql+asyncpg://")
            + f"/ent_{name}"
            for name in SERVICES
        },
    }
    # The development key pair exists before the services start, so they all trust the same one.
    tokens = io.StringIO()
    print_demo_tokens(member_id=None, out=tokens)
    services = [start_service(name, port, env) for name, port in SERVICES.items()]
    try:
        wait_ready(services)
        print(
            "members http://127.0.0.1:8001/docs · orders http://127.0.0.1:8002/docs · "
            "billing http://127.0.0.1:8003/docs  (Ctrl-C stops them)",
            flush=True,
        )
        print(tokens.getvalue(), "A member's token: python -m launcher.tokens --role member --member-id ID")
        while all(s.process.poll() is None for s in services):
            time.sleep(0.5)
    except KeyboardInterrupt:
        pass
    finally:
        stop_all(services)


if __name__ == "__main__":
    main()
