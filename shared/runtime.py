"""A service's moving parts at run time: database, broker, outbox relay, consumers.

The same object runs in every mode: alone in its own process (RabbitMQ, PostgreSQL), or beside the
two other services in the embedded process (in-process broker, SQLite). Which parts run is a setting,
so the API, the relay and the consumers can also be scaled as separate processes.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from shared.context import service_var
from shared.db import Database
from shared.messaging.broker import Broker
from shared.messaging.inbox import AfterCommitHook, Handler, IdempotentConsumer
from shared.messaging.outbox import AfterPublishHook, OutboxRelay
from shared.messaging.tables import MessagingTables
from shared.messaging.topology import Topology
from shared.observability import watch_parked
from shared.settings import CommonSettings
from shared.tracing import configure_tracing
from shared.uow import UnitOfWork

log = logging.getLogger(__name__)

STOP_TIMEOUT_S = 5.0


@dataclass
class Roles:
    api: bool = True
    relay: bool = True
    consumers: bool = True

    @classmethod
    def parse(cls, text: str) -> Roles:
        wanted = {part.strip() for part in text.split(",") if part.strip()}
        unknown = wanted - {"api", "relay", "consumers"}
        if unknown:
            raise ValueError(f"unknown roles: {sorted(unknown)}")
        return cls(api="api" in wanted, relay="relay" in wanted, consumers="consumers" in wanted)


@dataclass
class ServiceRuntime:
    name: str
    db: Database
    tables: MessagingTables
    broker: Broker
    topology: Topology
    handlers: Mapping[str, Mapping[str, Handler]] = field(default_factory=dict)  # queue -> type -> handler
    roles: Roles = field(default_factory=Roles)
    relay_batch_size: int = 200
    relay_poll_interval: float = 0.5
    consumer_prefetch: int = 32
    relay_linger: float = 0.0  # seconds a woken relay waits for more commits (bench before raising)
    consumer_linger: float = 0.0  # seconds a lone delivery waits for company
    after_publish: AfterPublishHook | None = None
    after_commit: AfterCommitHook | None = None
    settings: Any = None  # the service's own settings object, for routes and handlers that need them

    def __post_init__(self) -> None:
        self.relay = OutboxRelay(
            service=self.name,
            db=self.db,
            tables=self.tables,
            broker=self.broker,
            batch_size=self.relay_batch_size,
            poll_interval=self.relay_poll_interval,
            linger=self.relay_linger,
            after_publish=self.after_publish,
        )
        self._tasks: list[asyncio.Task[None]] = []
        self.consumers: list[IdempotentConsumer] = []

    def unit_of_work(self) -> UnitOfWork:
        # Only wake a relay that runs in this process; another process polls on its own.
        wake = self.relay.wake if self.roles.relay else None
        return UnitOfWork(service=self.name, db=self.db, tables=self.tables, on_commit=wake)

    async def start(self) -> None:
        settings = self.settings
        if isinstance(settings, CommonSettings):
            # One provider per process: in the embedded mode the first service started sets it up.
            configure_tracing(
                self.name, settings.otel_exporter, otlp_endpoint=settings.otel_exporter_otlp_endpoint
            )
        await self.broker.declare(self.topology)
        if self.roles.relay:
            # The task copies the current context: its logs name this service, even in the embedded mode.
            token = service_var.set(self.name)
            self._tasks.append(asyncio.create_task(self.relay.run(), name=f"{self.name}-relay"))
            service_var.reset(token)
        if self.roles.consumers:
            for queue_name, handlers in self.handlers.items():
                consumer = IdempotentConsumer(
                    queue=self.topology.queue(queue_name),
                    tables=self.tables,
                    uow_factory=self.unit_of_work,
                    handlers=handlers,
                    broker=self.broker,
                    prefetch=self.consumer_prefetch,
                    linger=self.consumer_linger,
                    after_commit=self.after_commit,
                )
                await consumer.start()
                self.consumers.append(consumer)
            if self.handlers:
                token = service_var.set(self.name)
                interval = (
                    settings.metrics_refresh_interval_s if isinstance(settings, CommonSettings) else 15.0
                )
                watcher = watch_parked(self.broker, list(self.handlers), interval)
                self._tasks.append(asyncio.create_task(watcher, name=f"{self.name}-parked-gauge"))
                service_var.reset(token)
        log.info(
            "%s started (api=%s relay=%s consumers=%s)",
            self.name,
            self.roles.api,
            self.roles.relay,
            self.roles.consumers,
        )

    async def stop(self) -> None:
        self.relay.stop()
        for consumer in self.consumers:
            await consumer.stop()
        self.consumers.clear()
        for task in self._tasks:
            task.cancel()
        # A task cancelled while aio-pika opens a channel may not finish until the connection closes
        # (seen with the parked-messages gauge): do not let it hold the shutdown, the broker's close
        # that follows ends it.
        _, stuck = await asyncio.wait(self._tasks, timeout=STOP_TIMEOUT_S) if self._tasks else ((), ())
        for task in stuck:
            log.warning(
                "%s did not stop within %s s; left to the broker's close", task.get_name(), STOP_TIMEOUT_S
            )
        self._tasks.clear()

    async def liveness(self) -> dict[str, bool]:
        """A relay or consumer task that died means the process no longer does its job: restart it."""
        return {f"{self.name}.{task.get_name()}": not task.done() for task in self._tasks} | {
            f"{self.name}.{c.name}": c.alive for c in self.consumers
        }

    async def readiness(self) -> dict[str, bool]:
        checks = {f"{self.name}.database": await self.db.ping()}
        # An API-only process keeps accepting writes while the broker is away (the outbox holds the
        # events), so only the processes that publish or consume depend on the broker to be ready.
        if self.roles.relay or self.roles.consumers:
            checks[f"{self.name}.broker"] = await self.broker.is_ready()
        return checks
