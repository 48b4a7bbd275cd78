"""The traced flow the tests share: a member registered through the members API with the caller's W3C
`traceparent`, whose `members.member.registered` event the orders service consumes."""

from __future__ import annotations

import asyncio
import json

from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind
from sqlalchemy import select

from services.members.adapters.tables import messaging as members_messaging
from shared.contracts.topology import ORDERS_FROM_MEMBERS
from tests.apps import RunningServices
from tests.members.helpers import member_body

# The caller's trace (a gateway, the syndicate's portal): the example of the W3C recommendation.
TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736"
CALLER_SPAN_ID = "00f067aa0ba902b7"
TRACEPARENT = f"00-{TRACE_ID}-{CALLER_SPAN_ID}-01"


def hex_trace(span: ReadableSpan) -> str:
    return format(span.context.trace_id, "032x")


def hex_span(span_id: int) -> str:
    return format(span_id, "016x")


async def finished_span(
    spans: InMemorySpanExporter, name: str, *, timeout: float = 20.0, **attributes: object
) -> ReadableSpan:
    """Wait for a finished span of that name (and those attributes): consumers work asynchronously."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        found = [
            s
            for s in spans.get_finished_spans()
            if s.name == name and all(s.attributes.get(k) == v for k, v in attributes.items())
        ]
        if found:
            assert len(found) == 1, [s.name for s in found]
            return found[0]
        if asyncio.get_running_loop().time() > deadline:
            names = sorted({s.name for s in spans.get_finished_spans()})
            raise AssertionError(f"no finished span {name!r} {attributes} after {timeout}s; saw {names}")
        await asyncio.sleep(0.05)


async def assert_one_trace_from_request_to_consumer(
    running: RunningServices, spans: InMemorySpanExporter, seed: int
) -> None:
    response = await running.client.post(
        "/v1/members", json=member_body(seed), headers={"traceparent": TRACEPARENT}
    )
    assert response.status_code == 201, response.text

    assert (await running.client.get("/readyz")).status_code == 200  # probes make no spans
    server = await finished_span(spans, "POST /v1/members")
    assert {s.name for s in spans.get_finished_spans() if s.kind is SpanKind.SERVER} == {"POST /v1/members"}
    assert server.kind is SpanKind.SERVER
    assert hex_trace(server) == TRACE_ID
    assert server.parent is not None and hex_span(server.parent.span_id) == CALLER_SPAN_ID
    assert server.parent.is_remote
    assert server.attributes["http.route"] == "/v1/members"
    assert server.attributes["http.response.status_code"] == 201

    # The outbox row kept the request's context, to be published as message headers.
    async with running.runtimes["members"].db.sessionmaker() as session:
        outbox = members_messaging.outbox
        row = (
            await session.execute(
                select(outbox.c.message_id, outbox.c.headers).where(
                    outbox.c.routing_key == "members.member.registered"
                )
            )
        ).one()
    server_span_id = hex_span(server.context.span_id)
    assert json.loads(row.headers)["traceparent"] == f"00-{TRACE_ID}-{server_span_id}-01"

    consumer = await finished_span(
        spans, f"{ORDERS_FROM_MEMBERS} process", **{"messaging.message.id": str(row.message_id)}
    )
    assert consumer.kind is SpanKind.CONSUMER
    assert hex_trace(consumer) == TRACE_ID
    assert consumer.parent is not None and hex_span(consumer.parent.span_id) == server_span_id
    assert consumer.attributes["messaging.rabbitmq.destination.routing_key"] == "members.member.registered"
