"""Members and orders talking through a real RabbitMQ (a throwaway virtual host) and PostgreSQL."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import select

from services.members.bootstrap import DEFINITION as MEMBERS
from services.members.config import MembersSettings
from services.orders.adapters.tables import messaging
from services.orders.bootstrap import DEFINITION as ORDERS
from services.orders.config import OrdersSettings
from tests.apps import run_services
from tests.orders.helpers import add_item, register_adhering_member, sent_quote, wait_for_eligibility

pytestmark = [pytest.mark.postgres, pytest.mark.rabbitmq]


async def test_members_events_reach_orders_read_model_through_rabbitmq_and_a_quote_is_accepted(
    pg_url_factory, amqp_url: str
) -> None:
    members_url = await pg_url_factory("ent_test_members")
    orders_url = await pg_url_factory("ent_test_orders")
    async with run_services(
        [
            (MEMBERS, MembersSettings(database_url=members_url, retry_delay_ms=100)),
            (ORDERS, OrdersSettings(database_url=orders_url, retry_delay_ms=100)),
        ],
        amqp_url=amqp_url,
    ) as running:
        client = running.client
        member_id = await register_adhering_member(client, 501, chorus_requirement="either")
        state = await wait_for_eligibility(client, member_id, timeout=30)
        assert (state["known"], state["chorus_requirement"]) == (True, "either")

        await add_item(client)
        quote = await sent_quote(client, member_id)
        missing = await client.post(f"/v1/quotes/{quote['id']}/accept", json={"accepted_by": "A"})
        assert missing.status_code == 422
        accepted = await client.post(
            f"/v1/quotes/{quote['id']}/accept", json={"accepted_by": "A", "commitment_number": "EJ-7"}
        )
        assert accepted.status_code == 200, accepted.text
        assert len((await client.get("/v1/purchase-orders")).json()["items"]) == 1
        # The relay published orders' events to RabbitMQ (routed, confirmed), nothing left pending.
        await wait_until_outbox_sent(running.runtimes["orders"])


async def wait_until_outbox_sent(runtime, timeout: float = 15.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        async with runtime.unit_of_work() as uow:
            rows = (
                await uow.session.execute(select(messaging.outbox.c.routing_key, messaging.outbox.c.sent_at))
            ).all()
        if rows and all(row.sent_at is not None for row in rows):
            assert {row.routing_key for row in rows} >= {
                "orders.quote.accepted",
                "orders.purchase_order.issued",
            }
            return
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"orders' outbox still pending: {rows}")
        await asyncio.sleep(0.1)
