"""Idempotent consumers: the inbox row and the handler's effects commit together; ack comes after.

A duplicate (redelivery after a crash, a relay that published twice) finds its `(consumer, message_id)`
row already there and is acknowledged without effect. A handler that raises is retried after the
queue's delay, up to `max_attempts`; then the message is parked with its reason. A message that cannot
even be read (bad JSON, unknown contract) is parked at once: retrying would not help.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping
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
from shared.uow import UnitOfWork, UnitOfWorkFactory

log = logging.getLogger(__name__)

CONSUMED = Counter("consumer_messages_total", "Messages handled by consumers", ["consumer", "outcome"])
HANDLE_SECONDS = Histogram(
    "consumer_handle_seconds",
    "From the event's occurrence to its effect committed",
    ["consumer"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
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


class IdempotentConsumer:
    def __init__(
        self,
        *,
        queue: ConsumerQueue,
        tables: MessagingTables,
        uow_factory: UnitOfWorkFactory,
        handlers: Mapping[str, Handler],
        broker: Broker,
        prefetch: int = 32,
        after_commit: AfterCommitHook | None = None,
    ) -> None:
        self.queue = queue
        self.name = queue.name
        self._tables = tables
        self._uow_factory = uow_factory
        self._handlers = dict(handlers)
        self._broker = broker
        self._prefetch = prefetch
        self._after_commit = after_commit

    async def start(self) -> None:
        await self._broker.consume(self.queue.name, self.on_delivery, prefetch=self._prefetch)

    async def on_delivery(self, delivery: Delivery) -> None:
        try:
            envelope = Envelope.model_validate_json(delivery.body)
            event = parse_event(envelope)
        except (ValidationError, UnknownEventType, ValueError) as exc:
            CONSUMED.labels(self.name, "unreadable").inc()
            log.error("unreadable message %s on %s parked: %s", delivery.message_id, self.name, exc)
            await delivery.park(f"unreadable: {exc}")
            return
        handler = self._handlers.get(envelope.type)
        if handler is None:
            CONSUMED.labels(self.name, "ignored").inc()
            await delivery.ack()
            return
        # Queue names are `<service>.<purpose>`: logs of the embedded mode still say whose work it is.
        tokens = (
            correlation_id_var.set(envelope.correlation_id),
            causation_id_var.set(str(envelope.message_id)),
            service_var.set(self.name.split(".", 1)[0]),
        )
        try:
            await self._process(delivery, envelope, event, handler)
        finally:
            for var, token in zip((correlation_id_var, causation_id_var, service_var), tokens, strict=True):
                var.reset(token)  # type: ignore[attr-defined]

    async def _process(self, delivery: Delivery, envelope: Envelope, event: Event, handler: Handler) -> None:
        try:
            applied = await self._apply_with_transient_retries(envelope, event, handler)
        except Exception as exc:
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
            return
        if self._after_commit is not None:
            hook_result = self._after_commit(envelope)
            if hook_result is not None:
                await hook_result
        await delivery.ack()
        CONSUMED.labels(self.name, "applied" if applied else "duplicate").inc()
        if applied:
            HANDLE_SECONDS.labels(self.name).observe((utcnow() - envelope.occurred_at).total_seconds())

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
