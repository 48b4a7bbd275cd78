"""Transactional outbox: events are rows written in the business transaction; a relay publishes them.

The relay takes pending rows with `FOR UPDATE SKIP LOCKED` (PostgreSQL; SQLite has one writer anyway),
publishes them with confirms and mandatory routing, and marks them sent only after the broker
confirmed. A row that fails (broker down, unroutable) stays pending with its error and a backoff, so
nothing is dropped and one bad row does not hold the others back.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import json
import logging
import uuid
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any

from prometheus_client import Counter, Gauge, Histogram
from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from shared.contracts.envelope import Envelope
from shared.db import Database, utcnow
from shared.messaging.broker import Broker, OutgoingMessage, Unroutable
from shared.messaging.tables import MessagingTables

log = logging.getLogger(__name__)

OUTBOX_PUBLISHED = Counter("outbox_published_total", "Outbox rows published and confirmed", ["service"])
OUTBOX_FAILED = Counter("outbox_publish_failures_total", "Outbox publish failures", ["service", "reason"])
OUTBOX_PENDING = Gauge("outbox_pending", "Outbox rows waiting for the relay", ["service"])
OUTBOX_OLDEST_AGE = Gauge("outbox_oldest_pending_age_seconds", "Age of the oldest pending row", ["service"])
OUTBOX_LAG = Histogram(
    "outbox_relay_lag_seconds",
    "From the row's creation to the broker's confirm",
    ["service"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
)


async def write_outbox(
    session: AsyncSession,
    tables: MessagingTables,
    envelopes: Sequence[Envelope],
    headers: Mapping[uuid.UUID, Mapping[str, str]] | None = None,
) -> None:
    """Add the envelopes to the outbox in the caller's transaction, each with the message headers
    (`headers[message_id]`: the trace context when it was emitted) it is to be published with."""
    if not envelopes:
        return
    headers = headers or {}
    now = utcnow()
    await session.execute(
        insert(tables.outbox),
        [
            {
                "message_id": e.message_id,
                "routing_key": e.type,
                "body": e.model_dump_json(),
                "correlation_id": e.correlation_id,
                "created_at": now,
                "available_at": now,
                "attempts": 0,
                "headers": json.dumps(headers[e.message_id]) if headers.get(e.message_id) else None,
            }
            for e in envelopes
        ],
    )


def backoff_seconds(attempts: int) -> float:
    """1, 2, 4 ... seconds between tries of one row, capped at a minute."""
    return float(min(60, 2 ** max(0, attempts - 1)))


AfterPublishHook = Callable[[list[int]], Awaitable[None] | None]


class OutboxRelay:
    def __init__(
        self,
        *,
        service: str,
        db: Database,
        tables: MessagingTables,
        broker: Broker,
        batch_size: int = 200,
        poll_interval: float = 0.5,
        retention: dt.timedelta = dt.timedelta(days=7),
        linger: float = 0.0,
        after_publish: AfterPublishHook | None = None,
    ) -> None:
        self.service = service
        self._db = db
        self._tables = tables
        self._broker = broker
        self._batch_size = batch_size
        self._poll_interval = poll_interval
        self._retention = retention
        # After a wake-up, wait this long for other commits so one pass carries several rows.
        self._linger = linger
        self._after_publish = after_publish
        self._wakeup = asyncio.Event()
        self._stopping = False

    def wake(self) -> None:
        """Called after a commit that wrote outbox rows: publish now rather than at the next poll."""
        self._wakeup.set()

    async def run(self) -> None:
        last_housekeeping = 0.0
        loop = asyncio.get_running_loop()
        while not self._stopping:
            # Cleared before the pass, not after: a commit that lands while we publish must not have
            # its wake-up erased, or its rows would wait for the next poll.
            self._wakeup.clear()
            try:
                published = await self.relay_once()
                if loop.time() - last_housekeeping > 5:
                    last_housekeeping = loop.time()
                    await self.housekeeping()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("outbox relay pass failed; retrying")
                published = 0
                await asyncio.sleep(self._poll_interval)
            if published < self._batch_size:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wakeup.wait(), timeout=self._poll_interval)
                if self._wakeup.is_set() and self._linger:
                    await asyncio.sleep(self._linger)  # let the commits of the next instant join this pass

    def stop(self) -> None:
        self._stopping = True
        self._wakeup.set()

    async def relay_once(self) -> int:
        """One pass: publish up to a batch of due rows. Returns how many rows were taken."""
        outbox = self._tables.outbox
        async with self._db.sessionmaker() as session, session.begin():
            rows = (
                await session.execute(
                    select(
                        outbox.c.id,
                        outbox.c.message_id,
                        outbox.c.routing_key,
                        outbox.c.body,
                        outbox.c.correlation_id,
                        outbox.c.created_at,
                        outbox.c.attempts,
                        outbox.c.headers,
                    )
                    .where(outbox.c.sent_at.is_(None), outbox.c.available_at <= utcnow())
                    .order_by(outbox.c.id)
                    .limit(self._batch_size)
                    .with_for_update(skip_locked=True)
                )
            ).all()
            if not rows:
                return 0
            results = await asyncio.gather(
                *(self._broker.publish(_message(row)) for row in rows), return_exceptions=True
            )
            sent = [row.id for row, result in zip(rows, results, strict=True) if result is None]
            if self._after_publish is not None and sent:
                hook_result = self._after_publish(sent)
                if hook_result is not None:
                    await hook_result
            now = utcnow()
            if sent:
                await session.execute(update(outbox).where(outbox.c.id.in_(sent)).values(sent_at=now))
                OUTBOX_PUBLISHED.labels(self.service).inc(len(sent))
                for row, result in zip(rows, results, strict=True):
                    if result is None:
                        OUTBOX_LAG.labels(self.service).observe((now - row.created_at).total_seconds())
            for row, result in zip(rows, results, strict=True):
                if isinstance(result, BaseException):
                    await self._record_failure(session, row, result, now)
            return len(rows)

    async def _record_failure(
        self, session: AsyncSession, row: Any, error: BaseException, now: dt.datetime
    ) -> None:
        reason = "unroutable" if isinstance(error, Unroutable) else "broker"
        OUTBOX_FAILED.labels(self.service, reason).inc()
        attempts = row.attempts + 1
        log.error(
            "outbox row %s (%s, message %s) not published, attempt %d: %s",
            row.id,
            row.routing_key,
            row.message_id,
            attempts,
            error,
            extra={"routing_key": row.routing_key, "reason": reason},
        )
        outbox = self._tables.outbox
        await session.execute(
            update(outbox)
            .where(outbox.c.id == row.id)
            .values(
                attempts=attempts,
                last_error=f"{reason}: {error}"[:2000],
                available_at=now + dt.timedelta(seconds=backoff_seconds(attempts)),
            )
        )

    async def housekeeping(self) -> None:
        """Refresh the backlog gauges, drop rows sent long ago and expired idempotency keys."""
        outbox = self._tables.outbox
        async with self._db.sessionmaker() as session, session.begin():
            pending, oldest = (
                await session.execute(
                    select(func.count(), func.min(outbox.c.created_at)).where(outbox.c.sent_at.is_(None))
                )
            ).one()
            await session.execute(delete(outbox).where(outbox.c.sent_at < utcnow() - self._retention))
            keys = self._tables.idempotency_keys
            if keys is not None:  # the API's idempotency keys past their retention (24 h at least)
                await session.execute(delete(keys).where(keys.c.expires_at <= utcnow()))
        OUTBOX_PENDING.labels(self.service).set(pending)
        age = (utcnow() - _aware(oldest)).total_seconds() if oldest is not None else 0.0
        OUTBOX_OLDEST_AGE.labels(self.service).set(age)


def _aware(value: dt.datetime) -> dt.datetime:
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


def _message(row: Any) -> OutgoingMessage:
    return OutgoingMessage(
        message_id=str(row.message_id),
        routing_key=row.routing_key,
        body=row.body.encode(),
        correlation_id=row.correlation_id,
        headers=json.loads(row.headers) if row.headers else {},
    )


async def pending_rows(db: Database, tables: MessagingTables, limit: int = 100) -> list[dict[str, Any]]:
    """Rows not yet published, oldest first, with their last error: what an operator looks at."""
    outbox = tables.outbox
    async with db.sessionmaker() as session:
        rows = (
            await session.execute(
                select(
                    outbox.c.id,
                    outbox.c.message_id,
                    outbox.c.routing_key,
                    outbox.c.created_at,
                    outbox.c.attempts,
                    outbox.c.last_error,
                )
                .where(outbox.c.sent_at.is_(None))
                .order_by(outbox.c.id)
                .limit(limit)
            )
        ).all()
    return [dict(row._mapping) for row in rows]
