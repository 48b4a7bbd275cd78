"""Faults injected while flows run: a service process SIGKILLed and restarted, RabbitMQ restarted,
the services' PostgreSQL sessions terminated, the contractor failing or timing out for a while."""

from __future__ import annotations

import asyncio
import random
import shutil
import subprocess
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

import httpx

from tests import infra
from tests.faults.cluster import Cluster, database_name, terminate_connections

KILL, BROKER, DATABASE, CONTRACTOR = "kill_process", "restart_rabbitmq", "terminate_pg_sessions", "contractor"
KINDS = (KILL, BROKER, DATABASE, CONTRACTOR)


def restart_rabbitmq(down_s: float) -> None:
    """stop_app, wait, start_app, in one shell of its own session: even if this test process dies
    meanwhile (a timeout's SIGTERM skips `finally` blocks), the machine's broker comes back."""
    ctl = shutil.which("rabbitmqctl") or "/usr/sbin/rabbitmqctl"
    script = f"{ctl} stop_app; sleep {down_s:.1f}; {ctl} start_app; {ctl} await_startup"
    subprocess.run(["sh", "-c", script], check=True, capture_output=True, timeout=180, start_new_session=True)


@dataclass
class Fault:
    kind: str
    target: str
    at: float  # seconds since the campaign started
    recovered_s: float  # until the target answered /readyz again (or the fault was lifted)
    detail: str = ""


@dataclass
class FaultInjector:
    """Injects one fault every `interval` seconds (± jitter) until stopped, cycling through `plan`
    so every kind happens; RabbitMQ is restarted at most `broker_restarts` times (the broker is
    shared by the machine: each restart is short and always followed by start_app)."""

    cluster: Cluster
    interval: float = 6.0
    broker_restarts: int = 2
    broker_down_s: float = 2.0
    contractor_down_s: float = 5.0
    seed: int = 9
    faults: list[Fault] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.random = random.Random(self.seed)
        self.started = time.monotonic()
        self.last_fault_ended = self.started
        self._stop = asyncio.Event()
        # Kills go round every process in a shuffled order (each is hit before any is hit twice);
        # the contractor alternates between failing and timing out.
        self._victims: list[str] = []
        self._contractor_modes = ["fail", "timeout"]

    def _next_victim(self) -> str:
        if not self._victims:
            self._victims = sorted(self.cluster.instances)
            self.random.shuffle(self._victims)
        return self._victims.pop()

    def stop(self) -> None:
        self._stop.set()

    def by_kind(self) -> Counter[str]:
        return Counter(f.kind for f in self.faults)

    def plan(self) -> Sequence[str]:
        # Kills are the most frequent (each one hits a different kind of process), then the others.
        return (
            KILL,
            BROKER,
            DATABASE,
            KILL,
            CONTRACTOR,
            KILL,
            KILL,
            DATABASE,
            BROKER,
            KILL,
            KILL,
            CONTRACTOR,
        )

    async def run(self) -> None:
        plan = self.plan()
        step = 0
        brokers = 0
        while not self._stop.is_set():
            try:
                await asyncio.wait_for(self._stop.wait(), self.interval * self.random.uniform(0.7, 1.3))
                return
            except TimeoutError:
                pass
            kind = plan[step % len(plan)]
            step += 1
            if kind == BROKER:
                if brokers >= self.broker_restarts:
                    kind = KILL
                else:
                    brokers += 1
            try:
                await self.inject(kind)
            except Exception as exc:  # a fault that could not be injected is a finding, not a crash
                self.errors.append(f"{kind}: {exc!r}")

    async def inject(self, kind: str) -> Fault:
        at = time.monotonic() - self.started
        if kind == KILL:
            name = self._next_victim()
            recovered = await asyncio.to_thread(self.cluster.restart, name)
            fault = Fault(KILL, name, at, recovered, f"SIGKILL pid, restarted in {recovered:.1f}s")
        elif kind == BROKER:
            began = time.monotonic()
            await asyncio.to_thread(restart_rabbitmq, self.broker_down_s)
            await self._until_ready(timeout=90)
            fault = Fault(BROKER, "rabbitmq", at, time.monotonic() - began, f"down {self.broker_down_s:.0f}s")
        elif kind == DATABASE:
            began = time.monotonic()
            ended = await terminate_connections(
                infra.admin_dsn(), [database_name(u) for u in self.cluster.database_urls.values()]
            )
            await self._until_ready(timeout=60)
            fault = Fault(DATABASE, "postgresql", at, time.monotonic() - began, f"{ended} sessions ended")
        elif kind == CONTRACTOR:
            mode = self._contractor_modes[0]
            self._contractor_modes.reverse()
            began = time.monotonic()
            async with httpx.AsyncClient(base_url=self.cluster.contractor_url, timeout=10) as client:
                (await client.put("/admin/mode", json={"mode": mode, "delay_s": 3})).raise_for_status()
                try:
                    await asyncio.sleep(self.contractor_down_s)
                finally:
                    (await client.put("/admin/mode", json={"mode": "ok"})).raise_for_status()
            fault = Fault(CONTRACTOR, f"contractor:{mode}", at, time.monotonic() - began, mode)
        else:
            raise ValueError(kind)
        self.faults.append(fault)
        self.last_fault_ended = time.monotonic()
        return fault

    async def _until_ready(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while not await self.cluster.all_ready():
            if time.monotonic() > deadline:
                raise TimeoutError(f"the cluster was not ready again in {timeout} s")
            await asyncio.sleep(0.2)
