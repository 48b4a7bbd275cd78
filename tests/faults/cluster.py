"""The three services as separate OS processes (one or more per service, by role), the contractor
simulator as a process, and what a test or a benchmark needs to steer them: kill, restart, scrape.

Built on `launcher.local` (same command, same `<SERVICE>_ROLES` setting); each process writes its
output to a log file of the run, so a crash can be read afterwards.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

import asyncpg
import httpx

from launcher.local import ROOT, SERVICES, ServiceProcess, wait_ready
from launcher.tokens import dev_token
from shared.security.principal import Role

CONTRACTOR_ID = "TITULAIRE-ENT"

# Under faults: give up on a hung contractor after 2 s and retry within seconds, not minutes, so a
# bounded campaign sees every PO through (the defaults are 10 s, 3 attempts, 5 s doubling to 300 s).
FAST_RECOVERY_ENV = {
    "ORDERS_CONTRACTOR_TIMEOUT_S": "2",
    "ORDERS_CONTRACTOR_HTTP_ATTEMPTS": "1",
    "ORDERS_TRANSMISSION_RETRY_BASE_S": "0.5",
    "ORDERS_TRANSMISSION_RETRY_MAX_S": "3",
    "ORDERS_TRANSMISSION_POLL_S": "0.5",
}


@dataclass
class Instance:
    """One process of a service: `name` is unique in the cluster (`orders`, `orders-2`)."""

    name: str
    service: str
    port: int
    roles: str
    process: ServiceProcess | None = None
    starts: int = 0

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def pid(self) -> int | None:
        return self.process.process.pid if self.process else None

    def alive(self) -> bool:
        return self.process is not None and self.process.process.poll() is None


@dataclass
class Cluster:
    """Processes of the three services on their databases and a RabbitMQ vhost, plus the contractor.

    `layout` maps an instance name to (service, port, roles); the instance that runs the `api` role of
    a service is the one clients call (one per service).
    """

    database_urls: Mapping[str, str]  # service -> SQLAlchemy URL
    amqp_url: str
    key_dir: Path
    log_dir: Path
    layout: Mapping[str, tuple[str, int, str]]
    contractor_port: int | None = None
    extra_env: Mapping[str, str] = field(default_factory=dict)
    instances: dict[str, Instance] = field(default_factory=dict)
    contractor: subprocess.Popen[bytes] | None = None
    _logs: list[IO[bytes]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.log_dir.mkdir(parents=True, exist_ok=True)
        dev_token(Role.ADMIN, key_dir=self.key_dir)  # the pair exists before any process looks for it
        for name, (service, port, roles) in self.layout.items():
            assert service in SERVICES, service
            self.instances[name] = Instance(name, service, port, roles)
        apis = [i.service for i in self.instances.values() if "api" in i.roles]
        assert sorted(apis) == sorted(SERVICES), f"one api instance per service expected, got {apis}"

    # --- addresses ---------------------------------------------------------------------------------

    def api_url(self, service: str) -> str:
        return next(i.base_url for i in self.instances.values() if i.service == service and "api" in i.roles)

    @property
    def contractor_url(self) -> str:
        return f"http://127.0.0.1:{self.contractor_port}"

    def of_service(self, service: str) -> list[Instance]:
        return [i for i in self.instances.values() if i.service == service]

    # --- processes ---------------------------------------------------------------------------------

    def env(self) -> dict[str, str]:
        env = {
            "ENT_AUTH_DEV_KEY_DIR": str(self.key_dir),
            "ENT_BROKER": "rabbitmq",
            "ENT_AMQP_URL": self.amqp_url,
            "ENT_RETRY_DELAY_MS": "200",
            "ENT_MAX_ATTEMPTS": "10",
            "ENT_LOG_LEVEL": "WARNING",
            "ENT_DB_POOL_SIZE": "10",
        }
        for service, url in self.database_urls.items():
            env[f"{service.upper()}_DATABASE_URL"] = url
        if self.contractor_port is not None:
            env |= {
                "ORDERS_CONTRACTOR_URL": self.contractor_url,
                "ORDERS_CONTRACTOR_CALLBACK_URL": self.api_url("orders"),
            }
        return env | dict(self.extra_env)

    def _log(self, name: str) -> IO[bytes]:
        log = (self.log_dir / f"{name}.log").open("ab")
        self._logs.append(log)
        return log

    def start(self, name: str) -> Instance:
        """Start (or restart) one instance: `python -m services.<service> serve --migrate`."""
        instance = self.instances[name]
        assert not instance.alive(), f"{name} is running"
        service = instance.service
        env = {
            **os.environ,
            **self.env(),
            f"{service.upper()}_PORT": str(instance.port),
            f"{service.upper()}_ROLES": instance.roles,
            "PYTHONUNBUFFERED": "1",
        }
        log = self._log(name)
        log.write(f"--- start {instance.starts + 1} at {time.time():.3f}\n".encode())
        log.flush()
        process = subprocess.Popen(
            [sys.executable, "-m", f"services.{service}", "serve", "--migrate"],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        instance.process = ServiceProcess(name, instance.port, process)
        instance.starts += 1
        return instance

    def start_contractor(self, *, ack_delay: float = 0.5) -> None:
        assert self.contractor_port is not None
        token = dev_token(Role.CONTRACTOR, contractor_id=CONTRACTOR_ID, key_dir=self.key_dir)
        self.contractor = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "simulators.contractor",
                "--port",
                str(self.contractor_port),
                "--ack-delay",
                str(ack_delay),
                "--delay",
                "3",
                "--callback-token",
                token,
            ],
            cwd=ROOT,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
            stdout=self._log("contractor"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.contractor.poll() is not None:
                raise RuntimeError(f"contractor simulator exited with {self.contractor.returncode}")
            try:
                if httpx.get(f"{self.contractor_url}/admin/state", timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        raise TimeoutError("contractor simulator not up in 30 s")

    def start_all(self, timeout: float = 120.0) -> None:
        if self.contractor_port is not None:
            self.start_contractor()
        # Migrations first, one process per database, so two instances never race on the same schema.
        first = {}
        for instance in self.instances.values():
            first.setdefault(instance.service, instance)
        for instance in first.values():
            self.start(instance.name)
        self.wait_ready(first.values(), timeout)
        rest = [i for i in self.instances.values() if i not in first.values()]
        for instance in rest:
            self.start(instance.name)
        self.wait_ready(rest, timeout)

    def wait_ready(self, instances: Iterable[Instance], timeout: float = 90.0) -> None:
        wait_ready([i.process for i in instances if i.process is not None], timeout)

    def kill(self, name: str, sig: int = signal.SIGKILL) -> None:
        instance = self.instances[name]
        if instance.alive():
            os.killpg(instance.process.process.pid, sig)  # type: ignore[union-attr]
            instance.process.process.wait(15)  # type: ignore[union-attr]

    def restart(self, name: str, timeout: float = 90.0) -> float:
        """SIGKILL then start again; returns the seconds until it answered `/readyz` again."""
        self.kill(name)
        began = time.monotonic()
        self.start(name)
        self.wait_ready([self.instances[name]], timeout)
        return time.monotonic() - began

    def stop_all(self) -> None:
        running = [i for i in self.instances.values() if i.alive()]
        for instance in running:
            os.killpg(instance.process.process.pid, signal.SIGTERM)  # type: ignore[union-attr]
        for instance in running:
            try:
                instance.process.process.wait(15)  # type: ignore[union-attr]
            except subprocess.TimeoutExpired:
                os.killpg(instance.process.process.pid, signal.SIGKILL)  # type: ignore[union-attr]
                instance.process.process.wait(5)  # type: ignore[union-attr]
        if self.contractor is not None and self.contractor.poll() is None:
            os.killpg(self.contractor.pid, signal.SIGTERM)
            try:
                self.contractor.wait(10)
            except subprocess.TimeoutExpired:
                os.killpg(self.contractor.pid, signal.SIGKILL)
                self.contractor.wait(5)
        for log in self._logs:
            log.close()
        self._logs.clear()

    # --- observation -------------------------------------------------------------------------------

    def pids(self) -> dict[str, int]:
        return {name: i.pid for name, i in self.instances.items() if i.alive() and i.pid}  # type: ignore[misc]

    async def all_ready(self) -> bool:
        async with httpx.AsyncClient(timeout=3) as client:
            for instance in self.instances.values():
                if not instance.alive():
                    return False
                try:
                    if (await client.get(f"{instance.base_url}/readyz")).status_code != 200:
                        return False
                except httpx.HTTPError:
                    return False
        return True

    async def metrics(self) -> dict[str, str]:
        """Each instance's `/metrics` text (Prometheus exposition), by instance name."""
        found: dict[str, str] = {}
        async with httpx.AsyncClient(timeout=5) as client:
            for name, instance in self.instances.items():
                found[name] = (await client.get(f"{instance.base_url}/metrics")).text
        return found


def parse_published(metrics_text: str) -> float:
    """`outbox_published_total` of one process (its relay's confirmed publishes)."""
    return sum(
        float(line.rsplit(" ", 1)[1])
        for line in metrics_text.splitlines()
        if line.startswith("outbox_published_total{")
    )


def parse_consumed(metrics_text: str, outcome: str = "applied") -> dict[str, float]:
    counts: dict[str, float] = {}
    for line in metrics_text.splitlines():
        if not line.startswith("consumer_messages_total{"):
            continue
        labels, value = line[len("consumer_messages_total{") :].rsplit("} ", 1)
        parts = dict(p.split("=", 1) for p in labels.split(","))
        if parts.get("outcome", "").strip('"') == outcome:
            counts[parts["consumer"].strip('"')] = float(value)
    return counts


def asyncpg_dsn(sqlalchemy_url: str) -> str:
    return sqlalchemy_url.replace("postgresql+asyncpg://", "postgresql://")


def database_name(sqlalchemy_url: str) -> str:
    return sqlalchemy_url.rsplit("/", 1)[1]


async def terminate_connections(admin_dsn: str, databases: Iterable[str]) -> int:
    """`pg_terminate_backend` every session on `databases` but ours; returns how many were ended."""
    conn = await asyncpg.connect(admin_dsn)
    try:
        rows = await conn.fetch(
            "SELECT pg_terminate_backend(pid) AS done FROM pg_stat_activity "
            "WHERE datname = ANY($1::text[]) AND pid <> pg_backend_pid()",
            list(databases),
        )
        return sum(1 for r in rows if r["done"])
    finally:
        await conn.close()


async def wait_for(probe, *, timeout: float, interval: float = 0.5, what: str = "condition"):  # type: ignore[no-untyped-def]
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        result = await probe()
        if result:
            return result
        if loop.time() > deadline:
            raise TimeoutError(f"{what}: still false after {timeout} s")
        await asyncio.sleep(interval)
