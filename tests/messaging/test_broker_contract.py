"""Both adapters of the broker port keep the same semantics: the embedded mode behaves like production."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator

import pytest

from shared.messaging.broker import Broker, Delivery, OutgoingMessage, Unroutable
from shared.messaging.inprocess import InProcessBroker
from shared.messaging.rabbitmq import RabbitMQBroker
from shared.messaging.topology import ConsumerQueue, Topology

QUEUE = ConsumerQueue("contract.q", ("contract.#",), max_attempts=3, retry_delay_ms=100)
TOPOLOGY = Topology(queues=(QUEUE,))


@pytest.fixture(params=["inprocess", "rabbitmq"])
async def broker(request: pytest.FixtureRequest) -> AsyncIterator[Broker]:
    if request.param == "inprocess":
        b: Broker = InProcessBroker()
    else:
        b = RabbitMQBroker(request.getfixturevalue("amqp_url"), connection_name="contract-test")
    await b.connect()
    await b.declare(TOPOLOGY)
    yield b
    await b.close()


def message(key: str = "contract.thing.happened", body: bytes = b"{}") -> OutgoingMessage:
    return OutgoingMessage(message_id=str(uuid.uuid4()), routing_key=key, body=body)


async def test_unroutable_publish_raises_instead_of_dropping(broker: Broker) -> None:
    with pytest.raises(Unroutable):
        await broker.publish(message("nobody.listens.here"))


async def test_a_confirmed_message_is_delivered_and_acknowledged_once(broker: Broker) -> None:
    received: list[Delivery] = []
    done = asyncio.Event()

    async def callback(delivery: Delivery) -> None:
        received.append(delivery)
        await delivery.ack()
        done.set()

    sent = message()
    await broker.consume(QUEUE.name, callback, prefetch=10)
    await broker.publish(sent)
    await asyncio.wait_for(done.wait(), 10)
    await asyncio.sleep(0.3)
    assert [d.message_id for d in received] == [sent.message_id]
    assert received[0].attempt == 1


async def test_retries_come_back_after_the_delay_with_the_attempt_counted(broker: Broker) -> None:
    attempts: list[int] = []
    done = asyncio.Event()

    async def callback(delivery: Delivery) -> None:
        attempts.append(delivery.attempt)
        if delivery.attempt < 3:
            await delivery.retry()
        else:
            await delivery.ack()
            done.set()

    await broker.consume(QUEUE.name, callback, prefetch=10)
    await broker.publish(message())
    await asyncio.wait_for(done.wait(), 15)
    assert attempts == [1, 2, 3]


async def test_parked_messages_can_be_listed_and_replayed(broker: Broker) -> None:
    parked = asyncio.Event()
    replayed: list[Delivery] = []
    replay_done = asyncio.Event()

    async def callback(delivery: Delivery) -> None:
        if not parked.is_set():
            await delivery.park("handler broke")
            parked.set()
        else:
            replayed.append(delivery)
            await delivery.ack()
            replay_done.set()

    sent = message(body=b'{"x": 1}')
    await broker.consume(QUEUE.name, callback, prefetch=10)
    await broker.publish(sent)
    await asyncio.wait_for(parked.wait(), 10)
    await asyncio.sleep(0.3)
    listing = await broker.list_parked(QUEUE.name)
    assert [(p.message_id, p.reason, p.body) for p in listing] == [
        (sent.message_id, "handler broke", b'{"x": 1}')
    ]
    assert (await broker.list_parked(QUEUE.name)) == listing  # listing does not consume
    assert await broker.replay_parked(QUEUE.name, {sent.message_id}) == 1
    await asyncio.wait_for(replay_done.wait(), 10)
    assert replayed[0].message_id == sent.message_id and replayed[0].body == b'{"x": 1}'
    assert await broker.list_parked(QUEUE.name) == []


async def test_the_parking_command_lists_shows_and_replays(
    amqp_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    from shared.contracts.topology import BILLING_REBILLING, system_topology
    from shared.messaging import parking

    broker = RabbitMQBroker(amqp_url)
    await broker.connect()
    await broker.declare(system_topology())
    parked = asyncio.Event()

    async def park_it(delivery: Delivery) -> None:
        await delivery.park("missing purchase order")
        parked.set()

    sent = message("billing.supplier_invoice.matched", b'{"hello": "world"}')
    await broker.consume(BILLING_REBILLING, park_it, prefetch=1)
    await broker.publish(sent)
    await asyncio.wait_for(parked.wait(), 10)
    await broker.close()

    assert (
        await parking._run(
            parking.argparse.Namespace(amqp_url=amqp_url, command="list", queue=BILLING_REBILLING, limit=10)
        )
        == 0
    )
    assert sent.message_id in capsys.readouterr().out
    assert (
        await parking._run(
            parking.argparse.Namespace(
                amqp_url=amqp_url, command="show", queue=BILLING_REBILLING, message_id=sent.message_id
            )
        )
        == 0
    )
    assert '"reason": "missing purchase order"' in capsys.readouterr().out
    assert (
        await parking._run(
            parking.argparse.Namespace(
                amqp_url=amqp_url, command="replay", queue=BILLING_REBILLING, message_ids=[]
            )
        )
        == 0
    )
    assert "replayed 1 message" in capsys.readouterr().out
