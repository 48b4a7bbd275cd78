"""The broker port. Two adapters implement it with the same semantics: RabbitMQ (aio-pika) for
production and the local services mode, and an in-process broker for the embedded mode.

Semantics both adapters guarantee:
- `publish` returns only once the broker has taken responsibility for the message (publisher
  confirm) and raises `Unroutable` when no queue is bound for its routing key (mandatory publish);
- a delivery is redelivered until acknowledged; `retry()` brings it back after the queue's delay,
  `park()` moves it to the parking queue; `attempt` counts deliveries through the retry path;
- a message's `headers` (the W3C trace context) reach the consumer, through retries, parking and
  replay alike.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from shared.messaging.topology import Topology


class BrokerError(Exception):
    """The broker could not take the message; the outbox row stays pending."""


class Unroutable(BrokerError):
    """No queue is bound for the routing key: publishing would silently drop the message."""


@dataclass(frozen=True)
class OutgoingMessage:
    message_id: str
    routing_key: str
    body: bytes
    correlation_id: str | None = None
    headers: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class ParkedMessage:
    message_id: str
    routing_key: str
    body: bytes
    reason: str
    parked_at: dt.datetime | None
    attempts: int
    headers: Mapping[str, Any] = field(default_factory=dict)  # the message's own, without the broker's


class Delivery(Protocol):
    message_id: str
    routing_key: str
    body: bytes
    attempt: int
    redelivered: bool

    @property
    def headers(self) -> Mapping[str, Any]:
        """The message's headers as published (W3C trace context); the broker's own may be there too."""
        ...

    async def ack(self) -> None: ...

    async def retry(self) -> None:
        """Reject for a delayed new attempt (dead-letter path)."""

    async def park(self, reason: str) -> None:
        """Move to the parking queue (confirmed), then acknowledge."""


DeliveryCallback = Callable[[Delivery], Awaitable[None]]


class Broker(Protocol):
    async def connect(self) -> None: ...

    async def close(self) -> None: ...

    async def declare(self, topology: Topology) -> None: ...

    async def publish(self, message: OutgoingMessage) -> None: ...

    async def consume(self, queue: str, callback: DeliveryCallback, *, prefetch: int) -> None: ...

    async def is_ready(self) -> bool: ...

    async def list_parked(self, queue: str, *, limit: int = 100) -> list[ParkedMessage]: ...

    async def replay_parked(self, queue: str, message_ids: set[str] | None = None) -> int:
        """Move parked messages (all, or those ids) back to their queue; returns how many moved."""

    async def count_parked(self, queue: str) -> int:
        """How many messages wait in the queue's parking queue (the parked-messages gauge)."""
