"""Idempotent consumers: the inbox row and the handler's effects commit together; ack comes after.

A duplicate (redelivery after a crash, a relay that published twice) finds its `(consumer, message_id)`
row already there and is acknowledged without effect. A handler that raises is retried after the
queue's delay, up to `max_attempts`; then the message is parked with its reason. A message that cannot
even be read (bad JSON, unknown contract) is parked at once: retrying would not help.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Awaitable, Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from prometheus_client import Counter, Histogram
from pydantic import ValidationError
from sqlalchemy.exc import InterfaceError, OperationalError

from shared.context import causation_id_var, correlation_id_var, service_var
from shared.contracts.envelope import Envelope, Event, UnknownEventType, parse_event
from shared.db import dialect_insert, utcnow
from shared.messaging.broker import Broker, Delivery
from shared.messaging.tables import MessagingTables
from shared.messaging.topology import ConsumerQueue
from shared.tracing import consumer_span, record_failure
from shared.uow import UnitOfWork, UnitOfWorkFactory

log = logging.getLogger(__name__)

CONSUMED = Counter("consumer_messages_total", "Messages handled by consumers", ["consumer", "outcome"])
HANDLE_SECONDS = Histogram(
    "consumer_handle_seconds",
    "From the event's occurrence to its effect committed",
    ["consumer"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
)

CONSUMER_LAG = Histogram(
    "consumer_lag_seconds",
    "Age of a message when its consumer receives it (now - envelope occurred_at); retries included",
    ["consumer"],
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600),
)

Handler = Callable[[Any, Envelope, UnitOfWork], Awaitable[None]]
AfterCommitHook = Callable[[Envelope], Awaitable[None] | None]

# Transient infrastructure failures are retried in place before they count as a failed attempt, so a
# database failover does not push healthy messages to the parking queue.
TRANSIENT_ERRORS: tuple[type[BaseException], ...] = (
    OperationalError,
    InterfaceError,
    ConnectionError,
    OSError,
)
TRANSIENT_DELAYS = (0.1, 0.5, 1.0, 2.0, 5.0)


async def claim_message(uow: UnitOfWork, tables: MessagingTables, consumer: str, envelope: Envelope) -> bool:
    """Insert the inbox row; False when this consumer already processed the message."""
    insert = dialect_insert(uow.session)
    result = await uow.session.execute(
        insert(tables.inbox)
        .values(
            consumer=consumer,
            message_id=envelope.message_id,
            message_type=envelope.type,
            processed_at=utcnow(),
        )
        .on_conflict_do_nothing(index_elements=["consumer", "message_id"])
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def claim_messages(
    uow: UnitOfWork, tables: MessagingTables, consumer: str, envelopes: Sequence[Envelope]
) -> set[uuid.UUID]:
    """Insert the inbox rows of a batch in one statement; returns the ids not processed before."""
    rows, seen = [], set()
    for envelope in envelopes:
        if envelope.message_id not in seen:
            seen.add(envelope.message_id)
            rows.append(
                {
                    "consumer": consumer,
                    "message_id": envelope.message_id,
                    "message_type": envelope.type,
                    "processed_at": utcnow(),
                }
            )
    insert = dialect_insert(uow.session)
    result = await uow.session.execute(
        insert(tables.inbox)
        .values(rows)
        .on_conflict_do_nothing(index_elements=["consumer", "message_id"])
        .returning(tables.inbox.c.message_id)
    )
    return set(result.scalars().all())


@dataclass
class _Pending:
    delivery: Delivery
    envelope: Envelope
    event: Event
    handler: Handler
    done: asyncio.Future[None]


class IdempotentConsumer:
    """Consumes one queue. Deliveries that arrive while a transaction is running are handled together
    in the next one (one inbox statement, one commit for the batch), which is what lets a consumer keep
    up with a busy queue; an idle queue still gets each message handled at once, alone. If anything in
    a batch fails, the batch is rolled back and its messages are handled one by one, so only the
    failing message is retried or parked."""

    def __init__(
        self,
        *,
        queue: ConsumerQueue,
        tables: MessagingTables,
        uow_factory: UnitOfWorkFactory,
        handlers: Mapping[str, Handler],
        broker: Broker,
        prefetch: int = 32,
        max_batch: int | None = None,
        linger: float = 0.0,
        after_commit: AfterCommitHook | None = None,
    ) -> None:
        self.queue = queue
        self.name = queue.name
        self._tables = tables
        self._uow_factory = uow_factory
        self._handlers = dict(handlers)
        self._broker = broker
        self._prefetch = prefetch
        self._max_batch = max(1, max_batch or prefetch)
        # How long a lone delivery waits for company: a transaction costs about a millisecond of CPU
        # whatever it carries, so under load a few milliseconds of waiting buys much larger batches.
        self._linger = linger
        self._after_commit = after_commit
        self._pending: list[_Pending] = []
        self._kick = asyncio.Event()
        self._worker: asyncio.Task[None] | None = None

    async def start(self) -> None:
        token = service_var.set(self.name.split(".", 1)[0])
        self._worker = asyncio.create_task(self._drain(), name=f"consumer-{self.name}")
        service_var.reset(token)
        await self._broker.consume(self.queue.name, self.on_delivery, prefetch=self._prefetch)

    @property
    def alive(self) -> bool:
        """False once started and its worker task ended (it should never end on its own)."""
        return self._worker is None or not self._worker.done()

    async def stop(self) -> None:
        if self._worker is not None:
            self._worker.cancel()
            await asyncio.gather(self._worker, return_exceptions=True)
            self._worker = None
        # Unsettled deliveries go back to the broker (their callbacks raise; nothing was acknowledged).
        for pending in self._pending:
            if not pending.done.done():
                pending.done.set_exception(asyncio.CancelledError())
        self._pending.clear()

    async def on_delivery(self, delivery: Delivery) -> None:
        try:
            envelope = Envelope.model_validate_json(delivery.body)
            event = parse_event(envelope)
        except (ValidationError, UnknownEventType, ValueError) as exc:
            CONSUMED.labels(self.name, "unreadable").inc()
            log.error("unreadable message %s on %s parked: %s", delivery.message_id, self.name, exc)
            await delivery.park(f"unreadable: {exc}")
            return
        CONSUMER_LAG.labels(self.name).observe(max(0.0, (utcnow() - envelope.occurred_at).total_seconds()))
        handler = self._handlers.get(envelope.type)
        if handler is None:
            CONSUMED.labels(self.name, "ignored").inc()
            await delivery.ack()
            return
        if self._worker is None:  # not started as a queue consumer: handle in place (tests, tools)
            await self._process_one(_Pending(delivery, envelope, event, handler, asyncio.Future()))
            return
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._pending.append(_Pending(delivery, envelope, event, handler, done))
        self._kick.set()
        await done

    async def _drain(self) -> None:
        while True:
            await self._kick.wait()
            self._kick.clear()
            if self._linger and len(self._pending) < self._max_batch:
                await asyncio.sleep(self._linger)
            while self._pending:
                batch, self._pending = self._pending[: self._max_batch], self._pending[self._max_batch :]
                try:
                    await self._process_batch(batch)
                except Exception:  # the worker must outlive any bug; the messages will be redelivered
                    log.exception("%s: batch of %d failed unexpectedly", self.name, len(batch))
                finally:
                    for pending in batch:
                        if not pending.done.done():
                            pending.done.set_result(None)

    async def _process_batch(self, batch: list[_Pending]) -> None:
        if len(batch) == 1:
            await self._process_one(batch[0])
            return
        try:
            applied = await self._apply_batch(batch)
        except Exception as exc:
            log.warning(
                "%s: batch of %d rolled back (%r); handling its messages one by one",
                self.name,
                len(batch),
                exc,
            )
            for pending in batch:
                await self._process_one(pending)
            return
        for pending in batch:
            await self._settle_success(pending, applied=id(pending) in applied)

    async def _apply_batch(self, batch: list[_Pending]) -> set[int]:
        async with self._uow_factory() as uow:
            claimed = await claim_messages(uow, self._tables, self.name, [p.envelope for p in batch])
            applied: set[int] = set()
            for pending in batch:
                if pending.envelope.message_id in claimed:
                    claimed.discard(pending.envelope.message_id)  # a copy later in the batch is a duplicate
                    with _message_context(self.name, pending.envelope, pending.delivery):
                        await pending.handler(pending.event, pending.envelope, uow)
                    applied.add(id(pending))
            await uow.commit()
        return applied

    async def _process_one(self, pending: _Pending) -> None:
        delivery, envelope = pending.delivery, pending.envelope
        with _message_context(self.name, envelope, delivery):
            try:
                applied = await self._apply_with_transient_retries(envelope, pending.event, pending.handler)
            except Exception as exc:
                await self._settle_failure(delivery, envelope, exc)
                return
            await self._settle_success(pending, applied=applied)

    async def _settle_failure(self, delivery: Delivery, envelope: Envelope, exc: Exception) -> None:
        record_failure(exc)
        if delivery.attempt >= self.queue.max_attempts:
            CONSUMED.labels(self.name, "parked").inc()
            log.error(
                "%s parked %s (%s) after %d attempts: %r",
                self.name,
                envelope.message_id,
                envelope.type,
                delivery.attempt,
                exc,
            )
            await delivery.park(f"{type(exc).__name__}: {exc}")
        else:
            CONSUMED.labels(self.name, "retried").inc()
            log.warning(
                "%s failed on %s (%s), attempt %d of %d: %r",
                self.name,
                envelope.message_id,
                envelope.type,
                delivery.attempt,
                self.queue.max_attempts,
                exc,
            )
            await delivery.retry()

    async def _settle_success(self, pending: _Pending, *, applied: bool) -> None:
        if self._after_commit is not None:
            hook_result = self._after_commit(pending.envelope)
            if hook_result is not None:
                await hook_result
        await pending.delivery.ack()
        CONSUMED.labels(self.name, "applied" if applied else "duplicate").inc()
        if applied:
            HANDLE_SECONDS.labels(self.name).observe(
                (utcnow() - pending.envelope.occurred_at).total_seconds()
            )

    async def _apply_with_transient_retries(self, envelope: Envelope, event: Event, handler: Handler) -> bool:
        for delay in (*TRANSIENT_DELAYS, None):
            try:
                return await self._apply(envelope, event, handler)
            except TRANSIENT_ERRORS as exc:
                if delay is None:
                    raise
                log.warning(
                    "%s: transient failure on %s, again in %.1fs: %r",
                    self.name,
                    envelope.message_id,
                    delay,
                    exc,
                )
                await asyncio.sleep(delay)
        raise AssertionError("unreachable")

    async def _apply(self, envelope: Envelope, event: Event, handler: Handler) -> bool:
        async with self._uow_factory() as uow:
            if not await claim_message(uow, self._tables, self.name, envelope):
                return False
            await handler(event, envelope, uow)
            await uow.commit()
            return True


@contextmanager
def _message_context(consumer: str, envelope: Envelope, delivery: Delivery) -> Iterator[None]:
    """Correlation, causation and service of the message being handled, for events it emits and logs;
    and its consumer span, child of the trace context the message carried in its headers."""
    span = consumer_span(
        f"{consumer} process",
        getattr(delivery, "headers", None),
        {
            "messaging.operation.type": "process",
            "messaging.destination.name": consumer,
            "messaging.message.id": str(envelope.message_id),
            "messaging.rabbitmq.destination.routing_key": envelope.type,
            "correlation_id": envelope.correlation_id,
        },
    )
    tokens = (
        (correlation_id_var, correlation_id_var.set(envelope.correlation_id)),
        (causation_id_var, causation_id_var.set(str(envelope.message_id))),
        # Queue names are `<service>.<purpose>`: logs of the embedded mode still say whose work it is.
        (service_var, service_var.set(consumer.split(".", 1)[0])),
    )
    try:
        with span:
            yield
    finally:
        for var, token in reversed(tokens):
            var.reset(token)  # type: ignore[attr-defined]
