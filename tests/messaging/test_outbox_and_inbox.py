"""Outbox → RabbitMQ → inbox on the real servers: nothing lost, nothing applied twice."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import select, update

from shared.contracts.envelope import Envelope
from shared.db import Database
from shared.messaging.broker import OutgoingMessage
from shared.messaging.rabbitmq import RabbitMQBroker
from shared.messaging.topology import Topology
from tests.messaging import harness

pytestmark = [pytest.mark.postgres, pytest.mark.rabbitmq]


async def started(rt):
    await rt.broker.connect()
    await rt.start()
    return rt


async def stop(*runtimes) -> None:
    for rt in runtimes:
        await rt.stop()
        await rt.broker.close()


async def test_events_of_a_committed_transaction_are_applied_exactly_once(producer_db, consumer_db, amqp_url):
    producer = await started(
        harness.runtime("producer", producer_db, RabbitMQBroker(amqp_url), roles="relay")
    )
    consumer = await started(
        harness.runtime("consumer", consumer_db, RabbitMQBroker(amqp_url), roles="consumers")
    )
    try:
        await harness.emit(producer, range(200), per_transaction=4)
        assert await harness.wait_until(lambda: _all_applied(consumer_db, 200), timeout=30)
        assert await harness.pending_outbox(producer_db) == 0
    finally:
        await stop(producer, consumer)
    assert await harness.effect_counts(consumer_db) == {seq: 1 for seq in range(200)}


async def test_a_rolled_back_transaction_publishes_nothing(producer_db, consumer_db, amqp_url):
    producer = await started(
        harness.runtime("producer", producer_db, RabbitMQBroker(amqp_url), roles="relay")
    )
    consumer = await started(
        harness.runtime("consumer", consumer_db, RabbitMQBroker(amqp_url), roles="consumers")
    )
    try:
        async with producer.unit_of_work() as uow:
            uow.emit(harness.Pinged(seq=1))
            # leaving without commit() rolls back: the event must never exist
        await harness.emit(producer, [2])
        assert await harness.wait_until(lambda: _all_applied(consumer_db, 1), timeout=15)
        await asyncio.sleep(0.5)
    finally:
        await stop(producer, consumer)
    assert await harness.effect_counts(consumer_db) == {2: 1}


async def test_a_message_delivered_twice_has_one_effect(producer_db, consumer_db, amqp_url):
    consumer = await started(
        harness.runtime("consumer", consumer_db, RabbitMQBroker(amqp_url), roles="consumers")
    )
    publisher = RabbitMQBroker(amqp_url)
    await publisher.connect()
    await publisher.declare(harness.topology())
    try:
        envelope = Envelope.wrap(harness.Pinged(seq=7), producer="test", correlation_id="c-1")
        outgoing = OutgoingMessage(
            str(envelope.message_id), envelope.type, envelope.model_dump_json().encode()
        )
        await publisher.publish(outgoing)
        await publisher.publish(outgoing)
        assert await harness.wait_until(lambda: _all_applied(consumer_db, 1), timeout=15)
        await asyncio.sleep(1.0)  # give the duplicate every chance to do harm
    finally:
        await publisher.close()
        await stop(consumer)
    assert await harness.effect_counts(consumer_db) == {7: 1}


async def test_unroutable_events_stay_pending_and_are_reported_then_sent_once_a_queue_exists(
    producer_db, consumer_db, amqp_url, caplog
):
    # The producer knows no consumer queue yet: its events have nowhere to go.
    empty = Topology(queues=())
    producer = await started(
        harness.runtime("producer", producer_db, RabbitMQBroker(amqp_url), roles="relay", topo=empty)
    )
    try:
        with caplog.at_level("ERROR"):
            await harness.emit(producer, [1, 2, 3])
            await asyncio.sleep(1.0)
        assert await harness.pending_outbox(producer_db) == 3
        async with producer_db.sessionmaker() as session:
            rows = (await session.execute(select(harness.tables.outbox))).all()
        assert all(r.attempts >= 1 and r.last_error.startswith("unroutable") for r in rows)
        assert any("not published" in r.getMessage() for r in caplog.records)
        # A consumer declares its queue; the rows go out on a later pass, each once.
        consumer = await started(
            harness.runtime("consumer", consumer_db, RabbitMQBroker(amqp_url), roles="consumers")
        )
        async with producer_db.sessionmaker() as session, session.begin():
            await session.execute(update(harness.tables.outbox).values(available_at=harness.utcnow()))
        producer.relay.wake()
        assert await harness.wait_until(lambda: _all_applied(consumer_db, 3), timeout=20)
        await stop(consumer)
    finally:
        await stop(producer)
    assert await harness.effect_counts(consumer_db) == {1: 1, 2: 1, 3: 1}
    assert await harness.pending_outbox(producer_db) == 0


async def test_a_poison_message_is_parked_after_bounded_retries_and_the_queue_keeps_flowing(
    producer_db, consumer_db, amqp_url
):
    switch = harness.PoisonSwitch(on=True)
    producer = await started(
        harness.runtime("producer", producer_db, RabbitMQBroker(amqp_url), roles="relay")
    )
    consumer_broker = RabbitMQBroker(amqp_url)
    consumer = await started(
        harness.runtime("consumer", consumer_db, consumer_broker, roles="consumers", poison=switch)
    )
    try:
        await harness.emit(producer, range(20), poison={5})
        assert await harness.wait_until(lambda: _all_applied(consumer_db, 19), timeout=20)

        async def parked() -> bool:
            return len(await consumer_broker.list_parked(harness.QUEUE)) == 1

        assert await harness.wait_until(parked, timeout=20)
        [message] = await consumer_broker.list_parked(harness.QUEUE)
        assert "poison message 5" in message.reason and message.attempts == 3
        assert 5 not in await harness.effect_counts(consumer_db)
        # The cause is fixed; staff replay the parked message and it is applied once.
        switch.on = False
        assert await consumer_broker.replay_parked(harness.QUEUE) == 1
        assert await harness.wait_until(lambda: _all_applied(consumer_db, 20), timeout=20)
    finally:
        await stop(producer, consumer)
    assert await harness.effect_counts(consumer_db) == {seq: 1 for seq in range(20)}


async def test_two_relays_share_the_outbox_without_publishing_a_row_twice(producer_db, consumer_db, amqp_url):
    seen: list[str] = []

    async def record(ids: list[int]) -> None:
        async with producer_db.sessionmaker() as session:
            rows = await session.execute(
                select(harness.tables.outbox.c.message_id).where(harness.tables.outbox.c.id.in_(ids))
            )
            seen.extend(str(r[0]) for r in rows)

    writer = harness.runtime("writer", producer_db, RabbitMQBroker(amqp_url), roles="api")
    await writer.broker.connect()
    await writer.broker.declare(harness.topology())
    await harness.emit(writer, range(2000), per_transaction=50)
    relays = [
        harness.runtime(
            f"relay-{i}", producer_db, RabbitMQBroker(amqp_url), roles="relay", after_publish=record
        )
        for i in range(2)
    ]
    for rt in relays:
        rt.relay._batch_size = 50  # small batches so both relays get turns
    consumer = await started(
        harness.runtime("consumer", consumer_db, RabbitMQBroker(amqp_url), roles="consumers")
    )
    try:
        for rt in relays:
            await started(rt)
        assert await harness.wait_until(lambda: _all_applied(consumer_db, 2000), timeout=60)
    finally:
        await stop(*relays, consumer)
        await writer.broker.close()
    assert len(seen) == 2000 and len(set(seen)) == 2000
    assert await harness.effect_counts(consumer_db) == {seq: 1 for seq in range(2000)}


async def _all_applied(db: Database, expected: int) -> bool:
    return len(await harness.effect_counts(db)) >= expected


async def test_a_burst_is_committed_in_batches_and_a_bad_message_in_a_batch_harms_only_itself(
    producer_db, consumer_db, amqp_url, monkeypatch
):
    from shared.messaging import inbox

    batch_sizes: list[int] = []
    real_claim = inbox.claim_messages

    async def recording_claim(uow, tables, consumer, envelopes):
        batch_sizes.append(len(envelopes))
        return await real_claim(uow, tables, consumer, envelopes)

    monkeypatch.setattr(inbox, "claim_messages", recording_claim)
    switch = harness.PoisonSwitch(on=True)
    # Emit the burst before any consumer runs, so deliveries pile up behind the first transaction.
    writer = await started(harness.runtime("writer", producer_db, RabbitMQBroker(amqp_url), roles="relay"))
    await harness.emit(writer, range(300), per_transaction=100, poison={150})
    assert await harness.wait_until(lambda: _outbox_sent(producer_db), timeout=30)
    consumer_broker = RabbitMQBroker(amqp_url)
    consumer = await started(
        harness.runtime("consumer", consumer_db, consumer_broker, roles="consumers", poison=switch)
    )
    try:
        assert await harness.wait_until(lambda: _all_applied(consumer_db, 299), timeout=30)

        async def parked() -> bool:
            return len(await consumer_broker.list_parked(harness.QUEUE)) == 1

        assert await harness.wait_until(parked, timeout=20)
    finally:
        await stop(writer, consumer)
    assert max(batch_sizes) > 1, batch_sizes  # several messages shared one transaction
    counts = await harness.effect_counts(consumer_db)
    assert counts == {seq: 1 for seq in range(300) if seq != 150}


async def _outbox_sent(db: Database) -> bool:
    return await harness.pending_outbox(db) == 0


async def test_a_commit_during_a_relay_pass_is_published_without_waiting_for_the_next_poll(
    producer_db, consumer_db, amqp_url
):
    producer_holder: list = []
    emitted_during_pass = asyncio.Event()

    async def commit_while_publishing(_ids: list[int]) -> None:
        if not emitted_during_pass.is_set():
            emitted_during_pass.set()
            await harness.emit(producer_holder[0], [2])  # lands while the relay's pass is still open

    producer = harness.runtime(
        "producer",
        producer_db,
        RabbitMQBroker(amqp_url),
        roles="relay",
        after_publish=commit_while_publishing,
    )
    producer.relay._poll_interval = 30.0  # a lost wake-up would leave event 2 waiting for 30 s
    producer_holder.append(producer)
    await started(producer)
    consumer = await started(
        harness.runtime("consumer", consumer_db, RabbitMQBroker(amqp_url), roles="consumers")
    )
    try:
        await harness.emit(producer, [1])
        assert await harness.wait_until(lambda: _all_applied(consumer_db, 2), timeout=5)
    finally:
        await stop(producer, consumer)
    assert await harness.effect_counts(consumer_db) == {1: 1, 2: 1}
