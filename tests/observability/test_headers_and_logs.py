"""The trace context stays with a message through retry, parking and replay, on both brokers; the
parking queues are counted through the broker port; JSON logs carry the trace id."""

from __future__ import annotations

import asyncio
import io
import json
import logging
import uuid
from collections.abc import AsyncIterator

import pytest

from shared.logging import configure_logging
from shared.messaging.broker import Broker, Delivery, OutgoingMessage
from shared.messaging.inprocess import InProcessBroker
from shared.messaging.rabbitmq import RabbitMQBroker
from shared.messaging.topology import ConsumerQueue, Topology
from shared.tracing import current_trace_headers, tracer
from tests.observability.flow import TRACE_ID, TRACEPARENT

QUEUE = ConsumerQueue("tracing.q", ("tracing.#",), max_attempts=2, retry_delay_ms=50)


@pytest.fixture(params=["inprocess", pytest.param("rabbitmq", marks=pytest.mark.rabbitmq)])
async def broker(request: pytest.FixtureRequest) -> AsyncIterator[Broker]:
    if request.param == "inprocess":
        b: Broker = InProcessBroker()
    else:
        b = RabbitMQBroker(request.getfixturevalue("amqp_url"), connection_name="tracing-test")
    await b.connect()
    await b.declare(Topology(queues=(QUEUE,)))
    yield b
    await b.close()


async def test_trace_headers_survive_retry_parking_and_replay(broker: Broker) -> None:
    seen: list[tuple[int, str | None]] = []
    parked, replayed = asyncio.Event(), asyncio.Event()

    async def callback(delivery: Delivery) -> None:
        traceparent = delivery.headers.get("traceparent")
        seen.append(
            (delivery.attempt, traceparent.decode() if isinstance(traceparent, bytes) else traceparent)
        )
        if parked.is_set():
            await delivery.ack()
            replayed.set()
        elif delivery.attempt < QUEUE.max_attempts:
            await delivery.retry()
        else:
            await delivery.park("always fails")
            parked.set()

    sent = OutgoingMessage(
        message_id=str(uuid.uuid4()),
        routing_key="tracing.thing.happened",
        body=b"{}",
        headers={"traceparent": TRACEPARENT, "tracestate": "ent=1"},
    )
    await broker.consume(QUEUE.name, callback, prefetch=1)
    await broker.publish(sent)
    await asyncio.wait_for(parked.wait(), 15)

    assert await broker.count_parked(QUEUE.name) == 1
    [listed] = await broker.list_parked(QUEUE.name)
    assert (listed.headers["traceparent"], listed.headers["tracestate"]) == (TRACEPARENT, "ent=1")
    assert await broker.replay_parked(QUEUE.name) == 1
    await asyncio.wait_for(replayed.wait(), 15)
    assert await broker.count_parked(QUEUE.name) == 0
    assert seen == [(1, TRACEPARENT), (2, TRACEPARENT), (1, TRACEPARENT)]


def test_json_logs_carry_the_trace_id_next_to_the_correlation_id(spans) -> None:
    root = logging.getLogger()
    saved = root.handlers[:], root.level
    out = io.StringIO()
    try:
        configure_logging("INFO")
        root.handlers[0].setStream(out)  # type: ignore[attr-defined]
        with tracer().start_as_current_span("work") as span:
            logging.getLogger("tests.observability").info("inside")
            headers = current_trace_headers()
        logging.getLogger("tests.observability").info("outside")
    finally:
        root.handlers[:], level = saved
        root.setLevel(level)
    inside, outside = (json.loads(line) for line in out.getvalue().splitlines())
    trace_id = format(span.get_span_context().trace_id, "032x")
    assert inside["trace_id"] == trace_id and "correlation_id" in inside
    span_id = format(span.get_span_context().span_id, "016x")
    assert headers["traceparent"].startswith(f"00-{trace_id}-{span_id}-")  # flags: sampled, random id
    assert outside["trace_id"] is None
    assert trace_id != TRACE_ID  # a fresh trace: nothing leaked from another test
