"""RabbitMQ adapter of the broker port, on aio-pika.

Publishing uses a dedicated channel with publisher confirms and `on_return_raises`, so a publish
returns only once the broker confirmed it *and* routed it. Consumption uses its own channel with a
prefetch window; acknowledgements happen after the consumer's transaction committed. The robust
connection reconnects by itself and re-declares queues and consumers; a publish attempted while it
is down fails, and the outbox keeps the row pending until the next relay pass.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

import aio_pika
import aiormq
from aio_pika.abc import AbstractIncomingMessage, AbstractRobustChannel, AbstractRobustConnection

from shared.messaging.broker import (
    BrokerError,
    DeliveryCallback,
    OutgoingMessage,
    ParkedMessage,
    Unroutable,
)
from shared.messaging.topology import ConsumerQueue, Topology

log = logging.getLogger(__name__)

PUBLISH_TIMEOUT_S = 10.0


def _quorum_arguments(dead_letter_exchange: str, dead_letter_routing_key: str) -> dict[str, Any]:
    # at-least-once dead-lettering needs reject-publish overflow; it guarantees a rejected message
    # reaches the retry queue even if the broker restarts in between.
    return {
        "x-queue-type": "quorum",
        "x-dead-letter-exchange": dead_letter_exchange,
        "x-dead-letter-routing-key": dead_letter_routing_key,
        "x-dead-letter-strategy": "at-least-once",
        "x-overflow": "reject-publish",
    }


def main_queue_arguments(queue: ConsumerQueue, topology: Topology) -> dict[str, Any]:
    return _quorum_arguments(topology.retry_exchange, queue.retry_queue)


def retry_queue_arguments(queue: ConsumerQueue) -> dict[str, Any]:
    # Dead-lettering to the default exchange ("") with the main queue's name sends it straight back.
    return {**_quorum_arguments("", queue.name), "x-message-ttl": queue.retry_delay_ms}


# The parking queue is a classic durable queue: staff browse it with get + requeue, which on a quorum
# queue would count towards its delivery limit and could drop what we meant to keep.
PARKING_QUEUE_ARGUMENTS: dict[str, Any] = {"x-queue-type": "classic"}


class _RabbitDelivery:
    def __init__(self, broker: RabbitMQBroker, queue: ConsumerQueue, message: AbstractIncomingMessage):
        self._broker = broker
        self._queue = queue
        self._message = message
        self.message_id = message.message_id or ""
        self.routing_key = message.routing_key or ""
        self.body = message.body
        self.redelivered = bool(message.redelivered)
        self.attempt = 1 + _rejections(message.headers, queue.name)
        self.headers: dict[str, Any] = dict(message.headers or {})

    async def ack(self) -> None:
        await self._settle(self._message.ack())

    async def retry(self) -> None:
        await self._settle(self._message.reject(requeue=False))

    async def park(self, reason: str) -> None:
        await self._broker._publish_raw(
            exchange_name="",
            routing_key=self._queue.parking_queue,
            body=self.body,
            message_id=self.message_id,
            correlation_id=self._message.correlation_id,
            headers={
                # The message's own headers (trace context) travel on; the broker's x-death does not.
                **{k: v for k, v in self.headers.items() if not k.startswith("x-")},
                "x-parked-reason": reason[:1000],
                "x-parked-at": dt.datetime.now(dt.UTC).isoformat(),
                "x-original-routing-key": self.routing_key,
                "x-attempts": self.attempt,
            },
        )
        await self.ack()

    async def _settle(self, action: Any) -> None:
        try:
            await action
        except (
            aiormq.exceptions.AMQPError,
            aio_pika.exceptions.ChannelInvalidStateError,
            ConnectionError,
        ) as exc:
            # The channel died after our commit: the broker will redeliver and the inbox absorbs it.
            log.warning("could not settle %s (%s); it will be redelivered", self.message_id, exc)


def _rejections(headers: dict[str, Any] | None, queue_name: str) -> int:
    deaths = (headers or {}).get("x-death") or []
    total = 0
    for death in deaths:
        if isinstance(death, dict) and death.get("queue") == queue_name and death.get("reason") == "rejected":
            total += int(death.get("count", 1))
    return total


class RabbitMQBroker:
    def __init__(self, url: str, *, connection_name: str = "ent-backoffice") -> None:
        self._url = url
        self._connection_name = connection_name
        self._connection: AbstractRobustConnection | None = None
        self._publish_channel: AbstractRobustChannel | None = None
        self._consume_channels: list[AbstractRobustChannel] = []
        self._topology: Topology | None = None
        self._exchanges: dict[str, aio_pika.abc.AbstractExchange] = {}

    async def connect(self) -> None:
        self._connection = await aio_pika.connect_robust(
            self._url,
            reconnect_interval=1.0,
            client_properties={"connection_name": self._connection_name},
        )
        self._publish_channel = await self._connection.channel(publisher_confirms=True, on_return_raises=True)  # type: ignore[assignment]

    async def close(self) -> None:
        if self._connection is not None:
            await self._connection.close()
            self._connection = None

    @property
    def _channel(self) -> AbstractRobustChannel:
        if self._publish_channel is None:
            raise BrokerError("broker not connected")
        return self._publish_channel

    async def declare(self, topology: Topology) -> None:
        channel = self._channel
        events = await channel.declare_exchange(
            topology.events_exchange, aio_pika.ExchangeType.TOPIC, durable=True
        )
        retry = await channel.declare_exchange(
            topology.retry_exchange, aio_pika.ExchangeType.DIRECT, durable=True
        )
        self._exchanges[topology.events_exchange] = events
        for queue in topology.queues:
            main = await channel.declare_queue(
                queue.name, durable=True, arguments=main_queue_arguments(queue, topology)
            )
            for key in queue.binding_keys:
                await main.bind(events, routing_key=key)
            retry_queue = await channel.declare_queue(
                queue.retry_queue, durable=True, arguments=retry_queue_arguments(queue)
            )
            await retry_queue.bind(retry, routing_key=queue.retry_queue)
            await channel.declare_queue(queue.parking_queue, durable=True, arguments=PARKING_QUEUE_ARGUMENTS)
        self._topology = topology

    async def publish(self, message: OutgoingMessage) -> None:
        topology = self._topology or Topology()
        await self._publish_raw(
            exchange_name=topology.events_exchange,
            routing_key=message.routing_key,
            body=message.body,
            message_id=message.message_id,
            correlation_id=message.correlation_id,
            headers=dict(message.headers),
        )

    async def _publish_raw(
        self,
        *,
        exchange_name: str,
        routing_key: str,
        body: bytes,
        message_id: str,
        correlation_id: str | None,
        headers: dict[str, Any],
    ) -> None:
        channel = self._channel
        try:
            if exchange_name == "":
                exchange = channel.default_exchange
            else:
                exchange = self._exchanges.get(exchange_name) or await channel.get_exchange(
                    exchange_name, ensure=False
                )
            await exchange.publish(
                aio_pika.Message(
                    body=body,
                    message_id=message_id,
                    correlation_id=correlation_id,
                    content_type="application/json",
                    delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
                    type=routing_key,
                    headers=headers,
                    timestamp=dt.datetime.now(dt.UTC),
                ),
                routing_key=routing_key,
                mandatory=True,
                timeout=PUBLISH_TIMEOUT_S,
            )
        except aio_pika.exceptions.PublishError as exc:
            raise Unroutable(f"no queue bound for {routing_key!r}") from exc
        except (
            TimeoutError,
            aiormq.exceptions.AMQPError,
            aio_pika.exceptions.ChannelInvalidStateError,
            ConnectionError,
            RuntimeError,
        ) as exc:
            raise BrokerError(f"publish of {message_id} failed: {exc!r}") from exc

    async def consume(self, queue: str, callback: DeliveryCallback, *, prefetch: int) -> None:
        if self._connection is None or self._topology is None:
            raise BrokerError("connect and declare the topology before consuming")
        spec = self._topology.queue(queue)
        channel = await self._connection.channel()
        await channel.set_qos(prefetch_count=prefetch)
        self._consume_channels.append(channel)  # type: ignore[arg-type]
        amqp_queue = await channel.declare_queue(
            spec.name, durable=True, arguments=main_queue_arguments(spec, self._topology)
        )

        async def on_message(message: AbstractIncomingMessage) -> None:
            await callback(_RabbitDelivery(self, spec, message))

        await amqp_queue.consume(on_message)

    async def is_ready(self) -> bool:
        return (
            self._connection is not None
            and not self._connection.is_closed
            and self._publish_channel is not None
            and not self._publish_channel.is_closed
        )

    async def _parking(self, queue: str) -> tuple[aio_pika.abc.AbstractChannel, aio_pika.abc.AbstractQueue]:
        if self._connection is None:
            raise BrokerError("broker not connected")
        channel = await self._connection.channel(publisher_confirms=True, on_return_raises=True)
        spec = self._topology.queue(queue) if self._topology else ConsumerQueue(queue, ())
        parking = await channel.declare_queue(
            spec.parking_queue, durable=True, arguments=PARKING_QUEUE_ARGUMENTS
        )
        return channel, parking

    async def count_parked(self, queue: str) -> int:
        channel, parking = await self._parking(queue)
        try:
            return int(parking.declaration_result.message_count or 0)
        finally:
            await channel.close()

    async def list_parked(self, queue: str, *, limit: int = 100) -> list[ParkedMessage]:
        channel, parking = await self._parking(queue)
        held: list[AbstractIncomingMessage] = []
        try:
            while len(held) < limit:
                message = await parking.get(no_ack=False, fail=False)
                if message is None:
                    break
                held.append(message)
            return [_parked(m) for m in held]
        finally:
            # Closing the channel returns every unacknowledged message to the parking queue, in order.
            await channel.close()

    async def replay_parked(self, queue: str, message_ids: set[str] | None = None) -> int:
        channel, parking = await self._parking(queue)
        moved = 0
        try:
            declared = await channel.declare_queue(
                parking.name, durable=True, arguments=PARKING_QUEUE_ARGUMENTS
            )
            remaining = declared.declaration_result.message_count or 0
            for _ in range(remaining):
                message = await parking.get(no_ack=False, fail=False)
                if message is None:
                    break
                if message_ids is not None and message.message_id not in message_ids:
                    continue  # left unacknowledged: back to the parking queue when the channel closes
                headers = {k: v for k, v in (message.headers or {}).items() if not k.startswith("x-")}
                await channel.default_exchange.publish(
                    aio_pika.Message(
                        body=message.body,
                        message_id=message.message_id,
                        correlation_id=message.correlation_id,
                        content_type="application/json",
                        delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
                        type=message.headers.get("x-original-routing-key") if message.headers else None,
                        headers=headers,
                    ),
                    routing_key=queue,
                    mandatory=True,
                )
                await message.ack()
                moved += 1
        finally:
            await channel.close()
        return moved


def _parked(message: AbstractIncomingMessage) -> ParkedMessage:
    headers = message.headers or {}
    parked_at = headers.get("x-parked-at")
    return ParkedMessage(
        message_id=message.message_id or "",
        routing_key=str(headers.get("x-original-routing-key", message.routing_key or "")),
        body=message.body,
        reason=str(headers.get("x-parked-reason", "")),
        parked_at=dt.datetime.fromisoformat(str(parked_at)) if parked_at else None,
        attempts=int(headers.get("x-attempts", 0) or 0),
        headers={k: v for k, v in headers.items() if not k.startswith("x-")},
    )
