"""Flows started at a steady rate (open loop) or by a fixed number of workers (closed loop)."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import time
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from launcher.tokens import dev_token
from shared.security.principal import Role
from tests.faults.cluster import Cluster
from tests.faults.resilient import Api, FlowResult, run_flow


@dataclass
class Outcome:
    results: list[FlowResult] = field(default_factory=list)
    failures: dict[int, str] = field(default_factory=dict)  # seed -> why
    started: int = 0
    began: float = 0.0  # time.time()
    ended: float = 0.0


@contextlib.asynccontextmanager
async def api_for(
    cluster: Cluster, *, key_dir: Path, connections: int = 100, step_timeout: float = 300.0
) -> AsyncIterator[Api]:
    limits = httpx.Limits(
        max_connections=connections, max_keepalive_connections=connections, keepalive_expiry=30
    )
    staff = {"Authorization": f"Bearer {dev_token(Role.ADMIN, key_dir=key_dir)}"}
    timeout = httpx.Timeout(30, connect=5)

    def client(service: str) -> httpx.AsyncClient:
        return httpx.AsyncClient(
            base_url=cluster.api_url(service), timeout=timeout, limits=limits, headers=staff
        )

    async with client("members") as members, client("orders") as orders, client("billing") as billing:
        yield Api(
            members, orders, billing, key_dir=key_dir, run_id=uuid.uuid4().hex[:8], step_timeout=step_timeout
        )


async def open_loop(
    api: Api,
    *,
    rate: float,
    flows: int | None = None,
    duration: float | None = None,
    first_seed: int = 1,
    today: dt.date,
    on_done: Callable[[FlowResult], None] | None = None,
) -> Outcome:
    """Flow i starts at t0 + i/rate whatever happened to the earlier ones, until `flows` were started
    or `duration` seconds passed; then waits for all of them."""
    outcome = Outcome(began=time.time())
    loop = asyncio.get_running_loop()
    t0 = loop.time()
    tasks: list[asyncio.Task[None]] = []

    async def one(seed: int) -> None:
        try:
            result = await run_flow(api, seed, today)
        except Exception as exc:
            outcome.failures[seed] = repr(exc)[:500]
            return
        outcome.results.append(result)
        if on_done is not None:
            on_done(result)

    i = 0
    while (flows is None or i < flows) and (duration is None or i / rate < duration):
        delay = t0 + i / rate - loop.time()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(one(first_seed + i)))
        i += 1
    outcome.started = i
    await asyncio.gather(*tasks)
    outcome.ended = time.time()
    return outcome


async def closed_loop(
    api: Api, *, concurrency: int, duration: float, first_seed: int = 1, today: dt.date
) -> Outcome:
    """`concurrency` workers, each starting its next flow as soon as its previous one completed, for
    `duration` seconds (flows running at the end are finished and counted)."""
    outcome = Outcome(began=time.time())
    loop = asyncio.get_running_loop()
    stop_at = loop.time() + duration
    seeds = iter(range(first_seed, 10_000_000))

    async def worker() -> None:
        while loop.time() < stop_at:
            seed = next(seeds)
            outcome.started += 1
            try:
                outcome.results.append(await run_flow(api, seed, today))
            except Exception as exc:
                outcome.failures[seed] = repr(exc)[:500]

    await asyncio.gather(*(worker() for _ in range(concurrency)))
    outcome.ended = time.time()
    return outcome
