"""One business flow is one trace: the caller's `traceparent` → the members API's server span → the
event's outbox row → message headers → the orders consumer's span, same trace id, on both brokers;
and on to the events that consumer emits in turn."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from services.billing.adapters.tables import messaging as billing_messaging
from services.billing.bootstrap import DEFINITION as BILLING
from services.billing.config import BillingSettings
from services.members.bootstrap import DEFINITION as MEMBERS
from services.members.config import MembersSettings
from services.orders.bootstrap import DEFINITION as ORDERS
from services.orders.config import OrdersSettings
from shared.contracts.topology import BILLING_REBILLING
from tests.apps import run_services
from tests.billing.helpers import (
    known_purchase_order,
    member_invoice_of,
    purchase_order_issued,
    supplier_invoice_body,
)
from tests.observability.flow import (
    TRACE_ID,
    TRACEPARENT,
    assert_one_trace_from_request_to_consumer,
    finished_span,
    hex_span,
    hex_trace,
)


def sqlite_services(tmp_path) -> list:
    return [
        (MEMBERS, MembersSettings(database_url=f"sqlite+aiosqlite:///{tmp_path}/members.db")),
        (ORDERS, OrdersSettings(database_url=f"sqlite+aiosqlite:///{tmp_path}/orders.db")),
    ]


async def test_the_consumer_span_continues_the_callers_trace_through_the_in_process_broker(
    tmp_path, spans
) -> None:
    async with run_services(sqlite_services(tmp_path)) as running:
        await assert_one_trace_from_request_to_consumer(running, spans, seed=811)


@pytest.mark.rabbitmq
async def test_the_consumer_span_continues_the_callers_trace_through_rabbitmq(
    tmp_path, spans, amqp_url: str
) -> None:
    async with run_services(sqlite_services(tmp_path), amqp_url=amqp_url) as running:
        await assert_one_trace_from_request_to_consumer(running, spans, seed=812)


async def test_events_a_consumer_emits_carry_its_span_so_the_flow_stays_one_trace(tmp_path, spans) -> None:
    settings = BillingSettings(database_url=f"sqlite+aiosqlite:///{tmp_path}/billing.db", retry_delay_ms=100)
    async with run_services([(BILLING, settings)]) as running:
        po = purchase_order_issued()
        await known_purchase_order(running, po)
        created = await running.client.post(
            "/v1/supplier-invoices", json=supplier_invoice_body(po), headers={"traceparent": TRACEPARENT}
        )
        assert created.status_code == 201, created.text
        await member_invoice_of(running, created.json()["id"])

        server = await finished_span(spans, "POST /v1/supplier-invoices")
        rebilling = await finished_span(spans, f"{BILLING_REBILLING} process")
        outbox = billing_messaging.outbox
        async with running.runtimes["billing"].db.sessionmaker() as session:
            issued = (
                await session.execute(
                    select(outbox.c.headers).where(outbox.c.routing_key == "billing.invoice.issued")
                )
            ).scalar_one()

    assert {hex_trace(server), hex_trace(rebilling)} == {TRACE_ID}
    assert rebilling.parent is not None and rebilling.parent.span_id == server.context.span_id
    # The member invoice's event, emitted by the rebilling consumer, carries the consumer's span on.
    assert json.loads(issued)["traceparent"] == f"00-{TRACE_ID}-{hex_span(rebilling.context.span_id)}-01"
