"""Metrics that are counted rather than observed: a background task refreshes them periodically.

The parked-messages gauge counts each consumed queue's parking queue through the broker port (RabbitMQ
or in-process alike); a process that runs consumers refreshes the counts of its own queues, so the
dashboard takes the `max` over replicas. (Service-specific gauges, such as billing's invoices by
status, live in their service.)
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable

from prometheus_client import Gauge

from shared.messaging.broker import Broker

log = logging.getLogger(__name__)

PARKED_MESSAGES = Gauge(
    "parked_messages",
    "Messages waiting in a consumer queue's parking queue, to inspect and replay",
    ["queue"],
)


async def refresh_parked(broker: Broker, queues: Iterable[str]) -> dict[str, int]:
    """Count the parking queue of each consumer queue and set the gauge; returns the counts."""
    counts = {}
    for queue in queues:
        counts[queue] = await broker.count_parked(queue)
        PARKED_MESSAGES.labels(queue).set(counts[queue])
    return counts


async def watch_parked(broker: Broker, queues: Iterable[str], interval_s: float) -> None:
    """Refresh the parked-messages gauge every `interval_s`, forever; a failed count is tried again."""
    queues = list(queues)
    while True:
        try:
            await refresh_parked(broker, queues)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # the broker away for a while: the gauge keeps its last value
            log.warning("could not count parked messages: %r", exc)
        await asyncio.sleep(interval_s)
