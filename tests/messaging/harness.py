"""A minimal producer/consumer pair on the real backbone, used by the messaging tests.

It runs in the test's process or as a separate OS process (`python -m tests.messaging.harness`),
so tests can SIGKILL a relay or a consumer at the worst moment and restart it.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import BigInteger, Column, Integer, String, Table, Uuid, func, insert, select
from sqlalchemy.ext.asyncio import AsyncEngine

from shared.contracts.envelope import Envelope, Event
from shared.db import Database, UTCDateTime, new_metadata, utcnow
from shared.messaging.broker import Broker
from shared.messaging.rabbitmq import RabbitMQBroker
from shared.messaging.tables import messaging_tables
from shared.messaging.topology import ConsumerQueue, Topology
from shared.runtime import Roles, ServiceRuntime
from shared.uow import UnitOfWork

QUEUE = "test.consumer"


class Pinged(Event):
    """A test event; `seq` identifies it across duplicates."""

    TYPE = "test.ping.sent"
    seq: int
    poison: bool = False


metadata = new_metadata()
tables = messaging_tables(metadata)
effects = Table(
    "effects",
    metadata,
    Column("id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True),
    Column("seq", Integer, nullable=False, index=True),  # deliberately not unique: a double effect must show
    Column("message_id", Uuid, nullable=False),
    Column("consumer_pid", Integer, nullable=False),
    Column("applied_at", UTCDateTime, nullable=False),
    Column("note", String(50)),
)


def topology(max_attempts: int = 3, retry_delay_ms: int = 100) -> Topology:
    return Topology(
        queues=(ConsumerQueue(QUEUE, ("test.#",), max_attempts=max_attempts, retry_delay_ms=retry_delay_ms),)
    )


async def create_schema(engine: AsyncEngine) -> None:
    async with engine.begin() as conn:
        await conn.run_sync(metadata.create_all)


@dataclass
class PoisonSwitch:
    """Poison messages fail while `on` is True: flip it to show a replay works once the cause is fixed."""

    on: bool = True


def make_handler(
    poison: PoisonSwitch | None = None,
) -> Callable[[Any, Envelope, UnitOfWork], Awaitable[None]]:
    async def on_pinged(event: Pinged, envelope: Envelope, uow: UnitOfWork) -> None:
        if event.poison and (poison is None or poison.on):
            raise RuntimeError(f"poison message {event.seq}")
        await uow.session.execute(
            insert(effects).values(
                seq=event.seq, message_id=envelope.message_id, consumer_pid=os.getpid(), applied_at=utcnow()
            )
        )

    return on_pinged


def runtime(
    name: str,
    db: Database,
    broker: Broker,
    *,
    roles: str,
    poison: PoisonSwitch | None = None,
    topo: Topology | None = None,
    **hooks: Any,
) -> ServiceRuntime:
    rt = ServiceRuntime(
        name=name,
        db=db,
        tables=tables,
        broker=broker,
        topology=topo or topology(),
        roles=Roles.parse(roles),
        relay_poll_interval=0.2,
        **hooks,
    )
    rt.handlers = {QUEUE: {Pinged.TYPE: make_handler(poison)}}
    return rt


async def emit(
    rt: ServiceRuntime, seqs: range | list[int], per_transaction: int = 1, poison: set[int] = frozenset()
) -> None:  # type: ignore[assignment]
    batch: list[int] = []
    for seq in seqs:
        batch.append(seq)
        if len(batch) == per_transaction:
            await _emit_batch(rt, batch, poison)
            batch = []
    if batch:
        await _emit_batch(rt, batch, poison)


async def _emit_batch(rt: ServiceRuntime, seqs: list[int], poison: set[int]) -> None:
    async with rt.unit_of_work() as uow:
        for seq in seqs:
            uow.emit(Pinged(seq=seq, poison=seq in poison))
        await uow.commit()


async def effect_counts(db: Database) -> dict[int, int]:
    async with db.sessionmaker() as session:
        rows = (await session.execute(select(effects.c.seq, func.count()).group_by(effects.c.seq))).all()
    return {int(seq): int(count) for seq, count in rows}


async def pending_outbox(db: Database) -> int:
    async with db.sessionmaker() as session:
        return int(
            (
                await session.execute(
                    select(func.count()).select_from(tables.outbox).where(tables.outbox.c.sent_at.is_(None))
                )
            ).scalar_one()
        )


async def wait_until(predicate: Callable[[], Awaitable[bool]], timeout: float, interval: float = 0.1) -> bool:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while loop.time() < deadline:
        if await predicate():
            return True
        await asyncio.sleep(interval)
    return await predicate()


def _suicide(*_args: Any) -> None:
    # SIGKILL: no cleanup, no ack, no commit of anything not yet committed: the worst moment.
    os.kill(os.getpid(), signal.SIGKILL)


async def _serve(args: argparse.Namespace) -> None:
    db = Database(args.database_url)
    broker = RabbitMQBroker(args.amqp_url, connection_name=f"harness-{args.role}")
    hooks: dict[str, Any] = {}
    if args.crash == "after-commit":
        hooks["after_commit"] = _suicide
    elif args.crash == "after-publish":
        hooks["after_publish"] = _suicide
    roles = "relay" if args.role == "relay" else "consumers"
    rt = runtime(f"harness-{args.role}", db, broker, roles=roles, **hooks)
    await broker.connect()
    await rt.start()
    print("ready", flush=True)
    try:
        await asyncio.Event().wait()
    finally:
        await rt.stop()
        await broker.close()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("role", choices=["relay", "consumer"])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--amqp-url", required=True)
    parser.add_argument("--crash", choices=["none", "after-commit", "after-publish"], default="none")
    asyncio.run(_serve(parser.parse_args()))


if __name__ == "__main__":
    main()
