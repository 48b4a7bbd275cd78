"""The processes of the backbone benchmark: each runs in its own OS process, driven by the orchestrator
in `bench.backbone` through a pipe of small commands.

- `bb-producer`: a `ServiceRuntime` with the relay role; it emits `BenchPinged` events through
  `UnitOfWork` (one transaction per request, or several events per transaction) and its relay
  publishes them, exactly as a service's API + relay process does.
- `bb-consumer`: a `ServiceRuntime` with the consumers role; the handler inserts one effect row in the
  same transaction as the inbox row. The `after_commit` hook timestamps each committed effect.
- `raw-producer` / `raw-consumer`: the baseline, a bare aio-pika publish-confirm / consume-ack loop on a
  durable quorum queue of the same broker.

This module defines the bench-only event contract; it is imported once per process (never as
`__main__`), so the contract registry sees one class.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import json
import logging
import os
import time
import traceback
from collections.abc import Awaitable, Callable
from multiprocessing.connection import Connection
from typing import Any

from pydantic import AwareDatetime
from sqlalchemy import BigInteger, Column, Integer, MetaData, String, Table, insert

from shared.contracts.envelope import Envelope, Event
from shared.db import Database, UTCDateTime, new_metadata, utcnow
from shared.messaging.rabbitmq import RabbitMQBroker
from shared.messaging.tables import MessagingTables, messaging_tables
from shared.messaging.topology import ConsumerQueue, Topology
from shared.runtime import Roles, ServiceRuntime
from shared.uow import UnitOfWork

log = logging.getLogger("bench")

BENCH_QUEUE = ConsumerQueue("bench.effects", ("bench.#",))
TOPOLOGY = Topology(queues=(BENCH_QUEUE,))
RAW_QUEUE = "bench.raw"


class BenchPinged(Event):
    """Bench-only contract: one ping, numbered within its phase."""

    TYPE = "bench.ping.sent"
    phase: str
    seq: int
    sent_at: AwareDatetime  # when the emitter was scheduled to send it (open loop) or sent it


def producer_metadata() -> tuple[MetaData, MessagingTables]:
    metadata = new_metadata()
    return metadata, messaging_tables(metadata)


def consumer_metadata() -> tuple[MetaData, MessagingTables, Table]:
    metadata = new_metadata()
    tables = messaging_tables(metadata)
    # No unique constraint on (phase, seq) on purpose: a duplicate effect must show up in the count
    # check, not be hidden by a constraint violation that would retry the message.
    effects = Table(
        "bench_effects",
        metadata,
        Column("id", BigInteger, primary_key=True, autoincrement=True),
        Column("phase", String(40), nullable=False),
        Column("seq", Integer, nullable=False),
        Column("occurred_at", UTCDateTime, nullable=False),
        Column("received_at", UTCDateTime, nullable=False),
    )
    return metadata, tables, effects


def make_database(url: str, config: dict[str, Any]) -> Database:
    db = Database(url, pool_size=config["pool_size"])
    if config.get("what_if_no_pre_ping"):
        # Experiment only (--what-if-no-pre-ping): the engine shared.db.Database builds, minus pool_pre_ping.
        from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine

        size = config["pool_size"]
        db.engine = create_async_engine(
            url, pool_size=size, max_overflow=size, pool_pre_ping=False, pool_recycle=1800
        )
        db.sessionmaker = async_sessionmaker(db.engine, expire_on_commit=False, class_=AsyncSession)
    return db


def _quorum_args() -> dict[str, Any]:
    return {"x-queue-type": "quorum"}


def worker_entry(role: str, conn: Connection, config: dict[str, Any]) -> None:
    """Process target (spawned)."""
    logging.basicConfig(
        level=logging.WARNING, format=f"%(asctime)s {role} %(levelname)s %(name)s: %(message)s"
    )
    worker: _Worker
    if role == "bb-producer":
        worker = BackboneProducer(conn, config)
    elif role == "bb-consumer":
        worker = BackboneConsumer(conn, config)
    elif role == "raw-producer":
        worker = RawProducer(conn, config)
    elif role == "raw-consumer":
        worker = RawConsumer(conn, config)
    else:  # pragma: no cover
        raise ValueError(role)
    if config.get("loop") == "uvloop":
        import uvloop

        uvloop.run(worker.serve())
    else:
        asyncio.run(worker.serve())


class _Worker:
    def __init__(self, conn: Connection, config: dict[str, Any]) -> None:
        self.conn = conn
        self.config = config
        # phase -> seq -> (t_effect, t_sent, t_scheduled): wall-clock seconds, comparable across processes
        self.records: dict[str, dict[int, tuple[float, float, float]]] = {}
        self.repeats: dict[str, int] = {}
        self._arrived = asyncio.Event()

    async def setup(self) -> None: ...

    async def teardown(self) -> None: ...

    async def serve(self) -> None:
        loop = asyncio.get_running_loop()
        try:
            await self.setup()
            self.conn.send(("ok", {"pid": os.getpid()}))
        except Exception:
            self.conn.send(("error", traceback.format_exc()))
            return
        while True:
            command, kwargs = await loop.run_in_executor(None, self.conn.recv)
            if command == "stop":
                try:
                    await self.teardown()
                finally:
                    self.conn.send(("ok", None))
                return
            handler: Callable[..., Awaitable[Any]] = getattr(self, f"cmd_{command}")
            try:
                result = await handler(**kwargs)
                self.conn.send(("ok", result))
            except Exception:
                self.conn.send(("error", traceback.format_exc()))

    # Consumers record arrivals in `records`; `cmd_collect` waits for a phase to be complete.
    def record(
        self, phase: str, seq: int, t_effect: float, t_sent: float, t_scheduled: float | None = None
    ) -> None:
        seen = self.records.setdefault(phase, {})
        if seq in seen:
            self.repeats[phase] = self.repeats.get(phase, 0) + 1
            return
        seen[seq] = (t_effect, t_sent, t_sent if t_scheduled is None else t_scheduled)
        self._arrived.set()

    async def cmd_collect(self, phase: str, expected: int, timeout: float) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while len(self.records.get(phase, {})) < expected and time.monotonic() < deadline:
            self._arrived.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(
                    self._arrived.wait(), timeout=min(1.0, max(0.01, deadline - time.monotonic()))
                )
        seen = self.records.get(phase, {})
        return {
            "received": len(seen),
            "repeats": self.repeats.get(phase, 0),
            "records": [(seq, *times) for seq, times in seen.items()],
        }


# --------------------------------------------------------------------------------------------- backbone


class BackboneProducer(_Worker):
    async def setup(self) -> None:
        _, tables = producer_metadata()
        c = self.config
        self.db = make_database(c["producer_db_url"], c)
        self.broker = RabbitMQBroker(c["amqp_url"], connection_name="bench-producer")
        await self.broker.connect()
        self.relay_passes: list[tuple[float, int]] = []

        def after_publish(ids: list[int]) -> None:
            self.relay_passes.append((time.time(), len(ids)))

        self.runtime = ServiceRuntime(
            name="bench_producer",
            db=self.db,
            tables=tables,
            broker=self.broker,
            topology=TOPOLOGY,
            roles=Roles(api=True, relay=True, consumers=False),
            relay_batch_size=c["relay_batch_size"],
            relay_poll_interval=c["relay_poll_interval"],
            after_publish=after_publish,
        )
        await self.runtime.start()

    async def teardown(self) -> None:
        await self.runtime.stop()
        await self.broker.close()
        await self.db.dispose()

    async def _emit(self, phase: str, seqs: range, sent_at: dt.datetime | None = None) -> None:
        uow: UnitOfWork
        async with self.runtime.unit_of_work() as uow:
            for seq in seqs:
                uow.emit(BenchPinged(phase=phase, seq=seq, sent_at=sent_at or utcnow()))
            await uow.commit()

    async def cmd_burst(self, phase: str, count: int, concurrency: int, per_tx: int) -> dict[str, Any]:
        """Emit `count` events as fast as `concurrency` concurrent requests can commit them."""
        self.relay_passes.clear()
        batches = iter(range(0, count, per_tx))

        async def requester() -> None:
            for start in batches:
                await self._emit(phase, range(start, min(start + per_tx, count)))

        t_start = time.time()
        await asyncio.gather(*(requester() for _ in range(concurrency)))
        t_emitted = time.time()
        return {"t_start": t_start, "t_emitted": t_emitted}

    async def cmd_relay_passes(self) -> list[tuple[float, int]]:
        """(time, rows) of each relay pass since the phase started; read once the phase is consumed."""
        return list(self.relay_passes)

    async def cmd_rate(self, phase: str, rate: float, duration: float) -> dict[str, Any]:
        """Open loop: event i is started at t0 + i/rate whether or not earlier ones are done."""
        self.relay_passes.clear()
        count = int(rate * duration)
        loop = asyncio.get_running_loop()
        tasks: list[asyncio.Task[None]] = []
        lags: list[float] = []
        t0_wall = time.time() + 0.05
        t0_loop = loop.time() + 0.05
        for seq in range(count):
            target = t0_loop + seq / rate
            delay = target - loop.time()
            if delay > 0:
                await asyncio.sleep(delay)
            lags.append(loop.time() - target)
            scheduled = dt.datetime.fromtimestamp(t0_wall + seq / rate, dt.UTC)
            tasks.append(asyncio.create_task(self._emit(phase, range(seq, seq + 1), scheduled)))
        await asyncio.gather(*tasks)
        return {
            "t_start": t0_wall,
            "t_emitted": time.time(),
            "count": count,
            "max_schedule_lag_s": max(lags) if lags else 0.0,
        }


class BackboneConsumer(_Worker):
    async def setup(self) -> None:
        _, tables, effects = consumer_metadata()
        c = self.config
        self.db = make_database(c["consumer_db_url"], c)
        self.broker = RabbitMQBroker(c["amqp_url"], connection_name="bench-consumer")
        await self.broker.connect()

        async def handle(event: BenchPinged, envelope: Envelope, uow: UnitOfWork) -> None:
            await uow.session.execute(
                insert(effects).values(
                    phase=event.phase, seq=event.seq, occurred_at=envelope.occurred_at, received_at=utcnow()
                )
            )

        def after_commit(envelope: Envelope) -> None:
            # Called once the consumer's transaction (inbox row + effect row) committed, before the ack.
            t_effect = time.time()
            payload = envelope.payload
            self.record(
                payload["phase"],
                payload["seq"],
                t_effect,
                envelope.occurred_at.timestamp(),
                dt.datetime.fromisoformat(payload["sent_at"]).timestamp(),
            )

        self.runtime = ServiceRuntime(
            name="bench_consumer",
            db=self.db,
            tables=tables,
            broker=self.broker,
            topology=TOPOLOGY,
            handlers={BENCH_QUEUE.name: {BenchPinged.TYPE: handle}},  # type: ignore[dict-item]
            roles=Roles(api=False, relay=False, consumers=True),
            consumer_prefetch=c["prefetch"],
            after_commit=after_commit,
        )
        await self.runtime.start()

    async def teardown(self) -> None:
        await self.runtime.stop()
        await self.broker.close()
        await self.db.dispose()


# -------------------------------------------------------------------------------------------- raw loop


class RawProducer(_Worker):
    async def setup(self) -> None:
        import aio_pika

        self.aio_pika = aio_pika
        self.connection = await aio_pika.connect(
            self.config["amqp_url"], client_properties={"connection_name": "bench-raw-producer"}
        )
        self.channel = await self.connection.channel(publisher_confirms=True)
        await self.channel.declare_queue(RAW_QUEUE, durable=True, arguments=_quorum_args())
        self.padding = "x" * self.config["raw_padding"]

    async def teardown(self) -> None:
        await self.connection.close()

    async def _publish(self, phase: str, seq: int, scheduled: float | None = None) -> None:
        aio_pika = self.aio_pika
        now = time.time()
        body = json.dumps(
            {"phase": phase, "seq": seq, "t": now, "s": scheduled or now, "pad": self.padding}
        ).encode()
        await self.channel.default_exchange.publish(
            aio_pika.Message(
                body=body,
                message_id=f"{phase}-{seq}",
                delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
                content_type="application/json",
            ),
            routing_key=RAW_QUEUE,
        )

    async def cmd_burst(self, phase: str, count: int, window: int) -> dict[str, Any]:
        t_start = time.time()
        for start in range(0, count, window):
            await asyncio.gather(
                *(self._publish(phase, seq) for seq in range(start, min(start + window, count)))
            )
        return {"t_start": t_start, "t_emitted": time.time()}

    async def cmd_rate(self, phase: str, rate: float, duration: float) -> dict[str, Any]:
        count = int(rate * duration)
        loop = asyncio.get_running_loop()
        tasks: list[asyncio.Task[None]] = []
        lags: list[float] = []
        t0_wall = time.time() + 0.05
        t0_loop = loop.time() + 0.05
        for seq in range(count):
            target = t0_loop + seq / rate
            delay = target - loop.time()
            if delay > 0:
                await asyncio.sleep(delay)
            lags.append(loop.time() - target)
            tasks.append(asyncio.create_task(self._publish(phase, seq, t0_wall + seq / rate)))
        await asyncio.gather(*tasks)
        return {
            "t_start": t0_wall,
            "t_emitted": time.time(),
            "count": count,
            "max_schedule_lag_s": max(lags) if lags else 0.0,
        }


class RawConsumer(_Worker):
    async def setup(self) -> None:
        import aio_pika

        self.connection = await aio_pika.connect(
            self.config["amqp_url"], client_properties={"connection_name": "bench-raw-consumer"}
        )
        self.channel = await self.connection.channel()
        await self.channel.set_qos(prefetch_count=self.config["raw_prefetch"])
        queue = await self.channel.declare_queue(RAW_QUEUE, durable=True, arguments=_quorum_args())

        async def on_message(message: aio_pika.abc.AbstractIncomingMessage) -> None:
            t_effect = time.time()
            data = json.loads(message.body)
            await message.ack()
            self.record(data["phase"], data["seq"], t_effect, data["t"], data["s"])

        await queue.consume(on_message)

    async def teardown(self) -> None:
        await self.connection.close()
