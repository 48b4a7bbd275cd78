"""Deliver an event to the orders service through the broker and wait until its inbox applied it."""

from __future__ import annotations

import asyncio
import datetime as dt

from sqlalchemy import select

from services.orders.adapters.tables import messaging
from shared.contracts.envelope import Envelope, Event
from shared.messaging.broker import OutgoingMessage
from tests.apps import RunningServices


async def deliver(
    services: RunningServices,
    event: Event,
    *,
    occurred_at: dt.datetime | None = None,
    producer: str = "tests",
    timeout: float = 10.0,
    wait: bool = True,
) -> Envelope:
    """With `wait=False`, only publish: an event orders has no handler for is acknowledged without an
    inbox row, so there is nothing to wait for."""
    envelope = Envelope.wrap(event, producer=producer, correlation_id="test-flow", occurred_at=occurred_at)
    await services.broker.publish(
        OutgoingMessage(
            message_id=str(envelope.message_id),
            routing_key=envelope.type,
            body=envelope.model_dump_json().encode(),
        )
    )
    if not wait:
        return envelope
    runtime = services.runtimes["orders"]
    deadline = asyncio.get_running_loop().time() + timeout
    while asyncio.get_running_loop().time() < deadline:
        async with runtime.unit_of_work() as uow:
            found = (
                await uow.session.execute(
                    select(messaging.inbox.c.message_id).where(
                        messaging.inbox.c.message_id == envelope.message_id
                    )
                )
            ).first()
        if found:
            return envelope
        await asyncio.sleep(0.05)
    raise AssertionError(f"{event.TYPE} was not applied by orders within {timeout}s")
