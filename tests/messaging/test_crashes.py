"""SIGKILL at the worst moments: between commit and ack, between publish and marking sent."""

from __future__ import annotations

import asyncio
import signal

import aio_pika
import pytest

from shared.messaging.inbox import CONSUMED
from shared.messaging.rabbitmq import RabbitMQBroker
from tests.messaging import harness
from tests.messaging.processes import start_harness, stop

pytestmark = [pytest.mark.postgres, pytest.mark.rabbitmq, pytest.mark.slow]


async def _queue_depth(amqp_url: str, queue: str) -> int:
    connection = await aio_pika.connect(amqp_url)
    try:
        channel = await connection.channel()
        declared = await channel.declare_queue(queue, passive=True)
        return declared.declaration_result.message_count or 0
    finally:
        await connection.close()


async def test_a_consumer_killed_after_commit_and_before_ack_has_no_second_effect(
    producer_db, consumer_db, amqp_url
):
    consumer_url = consumer_db.url
    producer = harness.runtime("producer", producer_db, RabbitMQBroker(amqp_url), roles="relay")
    await producer.broker.connect()
    await producer.start()
    doomed = start_harness("consumer", consumer_url, amqp_url, crash="after-commit")
    try:
        await harness.emit(producer, range(10))
        # The first message is committed, then the process dies before acknowledging it.
        assert await asyncio.to_thread(doomed.wait, 30) == -signal.SIGKILL
        # Messages run concurrently (prefetch), so a few may have committed; none was acknowledged.
        first = await harness.effect_counts(consumer_db)
        assert first and set(first.values()) == {1}
        survivor = start_harness("consumer", consumer_url, amqp_url)
        try:
            assert await harness.wait_until(lambda: _applied(consumer_db, 10), timeout=30)
            await asyncio.sleep(1.0)
            assert await _queue_depth(amqp_url, harness.QUEUE) == 0  # the redelivered copy was acked
        finally:
            stop(survivor)
    finally:
        stop(doomed)
        await producer.stop()
        await producer.broker.close()
    assert await harness.effect_counts(consumer_db) == {seq: 1 for seq in range(10)}


async def test_a_relay_killed_after_publishing_and_before_marking_sent_is_absorbed_downstream(
    producer_db, consumer_db, amqp_url
):
    writer = harness.runtime("writer", producer_db, RabbitMQBroker(amqp_url), roles="api")
    consumer = harness.runtime("consumer", consumer_db, RabbitMQBroker(amqp_url), roles="consumers")
    await consumer.broker.connect()
    await consumer.start()
    duplicates_before = CONSUMED.labels(harness.QUEUE, "duplicate")._value.get()
    try:
        await harness.emit(writer, range(50), per_transaction=50)
        doomed = start_harness("relay", producer_db.url, amqp_url, crash="after-publish")
        assert await asyncio.to_thread(doomed.wait, 30) == -signal.SIGKILL
        assert await harness.pending_outbox(producer_db) == 50  # published, but never marked sent
        relay = start_harness("relay", producer_db.url, amqp_url)
        try:
            assert await harness.wait_until(lambda: _outbox_drained(producer_db), timeout=30)
            assert await harness.wait_until(lambda: _applied(consumer_db, 50), timeout=30)
            await asyncio.sleep(1.0)
        finally:
            stop(relay)
    finally:
        await consumer.stop()
        await consumer.broker.close()
    assert await harness.effect_counts(consumer_db) == {seq: 1 for seq in range(50)}
    assert CONSUMED.labels(harness.QUEUE, "duplicate")._value.get() - duplicates_before == 50


async def _applied(db, expected: int) -> bool:
    return len(await harness.effect_counts(db)) >= expected


async def _outbox_drained(db) -> bool:
    return await harness.pending_outbox(db) == 0
