"""In-process adapter of the broker port, for the embedded mode (one process, SQLite files).

It keeps RabbitMQ's semantics that our code relies on: topic routing, mandatory publishing (an
unroutable message raises), one queue per consumer with a prefetch window, redelivery of what was
not acknowledged, delayed retries bounded by the queue's `max_attempts`, and a parking queue that can
be listed and replayed. Queues live in memory: what the relay handed over but no consumer committed
yet is lost if the process dies, which is why this adapter is for the single-process demo only.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections import deque
from dataclasses import dataclass, field

from shared.messaging.broker import BrokerError, DeliveryCallback, OutgoingMessage, ParkedMessage, Unroutable
from shared.messaging.topology import ConsumerQueue, Topology, topic_matches

log = logging.getLogger(__name__)


@dataclass
class _Message:
    message: OutgoingMessage
    attempt: int = 1
    redelivered: bool = False


@dataclass
class _Queue:
    spec: ConsumerQueue
    ready: deque[_Message] = field(default_factory=deque)
    parked: list[ParkedMessage] = field(default_factory=list)
    callback: DeliveryCallback | None = None
    prefetch: int = 1
    in_flight: int = 0
    wakeup: asyncio.Event = field(default_factory=asyncio.Event)


class _InProcessDelivery:
    def __init__(self, broker: InProcessBroker, queue: _Queue, item: _Message) -> None:
        self._broker = broker
        self._queue = queue
        self._item = item
        self._settled = False
        self.message_id = item.message.message_id
        self.routing_key = item.message.routing_key
        self.body = item.message.body
        self.attempt = item.attempt
        self.redelivered = item.redelivered
        self.headers = item.message.headers

    def _settle(self) -> bool:
        if self._settled:
            return False
        self._settled = True
        self._queue.in_flight -= 1
        self._queue.wakeup.set()
        return True

    async def ack(self) -> None:
        self._settle()

    async def retry(self) -> None:
        if self._settle():
            self._broker._schedule_retry(self._queue, self._item)

    async def park(self, reason: str) -> None:
        if self._settle():
            self._queue.parked.append(
                ParkedMessage(
                    message_id=self.message_id,
                    routing_key=self.routing_key,
                    body=self.body,
                    reason=reason[:1000],
                    parked_at=dt.datetime.now(dt.UTC),
                    attempts=self.attempt,
                    headers=dict(self.headers),
                )
            )

    async def requeue_if_unsettled(self) -> None:
        """Like a channel closing on an unacknowledged message: it comes back, marked redelivered."""
        if self._settle():
            self._item.redelivered = True
            self._queue.ready.appendleft(self._item)


class InProcessBroker:
    def __init__(self) -> None:
        self._queues: dict[str, _Queue] = {}
        self._bindings: list[tuple[str, str]] = []
        self._tasks: set[asyncio.Task[None]] = set()
        self._connected = False

    async def connect(self) -> None:
        self._connected = True

    async def close(self) -> None:
        self._connected = False
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._tasks.clear()

    async def declare(self, topology: Topology) -> None:
        for spec in topology.queues:
            if spec.name not in self._queues:
                self._queues[spec.name] = _Queue(spec=spec)
            for key in spec.binding_keys:
                if (key, spec.name) not in self._bindings:
                    self._bindings.append((key, spec.name))

    async def publish(self, message: OutgoingMessage) -> None:
        if not self._connected:
            raise BrokerError("in-process broker is closed")
        targets = {name for pattern, name in self._bindings if topic_matches(pattern, message.routing_key)}
        if not targets:
            raise Unroutable(f"no queue bound for {message.routing_key!r}")
        for name in sorted(targets):
            self._enqueue(self._queues[name], _Message(message))

    def _enqueue(self, queue: _Queue, item: _Message) -> None:
        queue.ready.append(item)
        queue.wakeup.set()

    def _schedule_retry(self, queue: _Queue, item: _Message) -> None:
        again = _Message(item.message, attempt=item.attempt + 1)
        loop = asyncio.get_running_loop()
        loop.call_later(queue.spec.retry_delay_ms / 1000, self._enqueue, queue, again)

    async def consume(self, queue: str, callback: DeliveryCallback, *, prefetch: int) -> None:
        if queue not in self._queues:
            raise BrokerError(f"queue {queue!r} is not declared")
        q = self._queues[queue]
        q.callback, q.prefetch = callback, max(1, prefetch)
        self._spawn(self._dispatch(q))

    def _spawn(self, coro: object) -> None:
        task = asyncio.ensure_future(coro)  # type: ignore[arg-type]
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _dispatch(self, queue: _Queue) -> None:
        while True:
            while queue.ready and queue.in_flight < queue.prefetch and queue.callback is not None:
                item = queue.ready.popleft()
                queue.in_flight += 1
                self._spawn(self._deliver(queue, _InProcessDelivery(self, queue, item)))
            queue.wakeup.clear()
            await queue.wakeup.wait()

    async def _deliver(self, queue: _Queue, delivery: _InProcessDelivery) -> None:
        assert queue.callback is not None
        try:
            await queue.callback(delivery)
        except Exception:
            log.exception("consumer of %s failed without settling %s", queue.spec.name, delivery.message_id)
        finally:
            await delivery.requeue_if_unsettled()

    async def is_ready(self) -> bool:
        return self._connected

    async def list_parked(self, queue: str, *, limit: int = 100) -> list[ParkedMessage]:
        return list(self._queue(queue).parked[:limit])

    async def replay_parked(self, queue: str, message_ids: set[str] | None = None) -> int:
        q = self._queue(queue)
        keep, moved = [], 0
        for parked in q.parked:
            if message_ids is None or parked.message_id in message_ids:
                again = OutgoingMessage(
                    parked.message_id, parked.routing_key, parked.body, headers=dict(parked.headers)
                )
                self._enqueue(q, _Message(again))
                moved += 1
            else:
                keep.append(parked)
        q.parked = keep
        return moved

    async def count_parked(self, queue: str) -> int:
        return len(self._queue(queue).parked)

    def _queue(self, name: str) -> _Queue:
        try:
            return self._queues[name]
        except KeyError:
            raise BrokerError(f"queue {name!r} is not declared") from None

    def depth(self, name: str) -> int:
        """Messages waiting or in flight (tests and metrics)."""
        q = self._queue(name)
        return len(q.ready) + q.in_flight
