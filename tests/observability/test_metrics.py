"""What `/metrics` tells about messages and invoices: consumer lag, parked messages, invoices by status."""

from __future__ import annotations

import asyncio
import datetime as dt
import uuid

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import select

from services.billing.bootstrap import DEFINITION as BILLING
from services.billing.config import BillingSettings
from services.members.adapters.tables import messaging as members_messaging
from services.members.bootstrap import DEFINITION as MEMBERS
from services.members.config import MembersSettings
from services.orders.bootstrap import DEFINITION as ORDERS
from services.orders.config import OrdersSettings
from shared.contracts.envelope import Envelope
from shared.contracts.topology import ORDERS_FROM_BILLING, ORDERS_FROM_MEMBERS
from shared.messaging.broker import OutgoingMessage
from tests.apps import RunningServices, run_services
from tests.billing.helpers import issued_member_invoice
from tests.members.helpers import member_body

Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


async def scrape(client: httpx.AsyncClient) -> Samples:
    response = await client.get("/metrics")
    assert response.status_code == 200
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(response.text)
        for sample in family.samples
    }


def value(samples: Samples, name: str, **labels: str) -> float | None:
    return samples.get((name, frozenset(labels.items())))


async def scraped(client: httpx.AsyncClient, name: str, expected: float, **labels: str) -> Samples:
    """Scrape until the sample shows `expected` (gauges refresh in the background)."""
    deadline = asyncio.get_running_loop().time() + 20
    while True:
        samples = await scrape(client)
        if value(samples, name, **labels) == expected:
            return samples
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(
                f"{name}{labels} is {value(samples, name, **labels)}, not {expected}: "
                f"{ {k: v for k, v in samples.items() if k[0] == name} }"
            )
        await asyncio.sleep(0.05)


async def publish_unreadable(running: RunningServices, routing_key: str) -> None:
    await running.broker.publish(
        OutgoingMessage(message_id=str(uuid.uuid4()), routing_key=routing_key, body=b"{not json")
    )


async def test_consumer_lag_is_the_age_of_the_message_when_its_consumer_receives_it(tmp_path) -> None:
    services = [
        (MEMBERS, MembersSettings(database_url=f"sqlite+aiosqlite:///{tmp_path}/members.db")),
        (ORDERS, OrdersSettings(database_url=f"sqlite+aiosqlite:///{tmp_path}/orders.db")),
    ]
    consumer = {"consumer": ORDERS_FROM_MEMBERS}
    async with run_services(services) as running:
        client = running.client
        initially = value(await scrape(client), "consumer_lag_seconds_count", **consumer) or 0.0
        assert (await client.post("/v1/members", json=member_body(821))).status_code == 201
        before = await scraped(client, "consumer_lag_seconds_count", initially + 1, **consumer)
        async with running.runtimes["members"].db.sessionmaker() as session:
            body = (await session.execute(select(members_messaging.outbox.c.body))).scalar_one()
        # The same fact as a message that waited 42 s somewhere (a broker outage, a backlog).
        late = Envelope.model_validate_json(body).model_copy(
            update={
                "message_id": uuid.uuid4(),
                "occurred_at": dt.datetime.now(dt.UTC) - dt.timedelta(seconds=42),
            }
        )
        await running.broker.publish(
            OutgoingMessage(str(late.message_id), late.type, late.model_dump_json().encode())
        )
        after = await scraped(client, "consumer_lag_seconds_count", initially + 2, **consumer)

    def delta(name: str, **labels: str) -> float:
        return (value(after, name, **consumer, **labels) or 0.0) - (
            value(before, name, **consumer, **labels) or 0.0
        )

    assert 42 <= delta("consumer_lag_seconds_sum") < 47
    assert (
        delta("consumer_lag_seconds_bucket", le="30.0"),
        delta("consumer_lag_seconds_bucket", le="60.0"),
    ) == (
        0.0,
        1.0,
    )


async def test_parked_messages_are_counted_per_queue_on_the_in_process_broker(tmp_path) -> None:
    settings = OrdersSettings(
        database_url=f"sqlite+aiosqlite:///{tmp_path}/orders.db", metrics_refresh_interval_s=0.05
    )
    async with run_services([(ORDERS, settings)]) as running:
        samples = await scraped(running.client, "parked_messages", 0.0, queue=ORDERS_FROM_MEMBERS)
        await publish_unreadable(running, "members.member.registered")
        await publish_unreadable(running, "members.member.updated")
        samples = await scraped(running.client, "parked_messages", 2.0, queue=ORDERS_FROM_MEMBERS)
        assert value(samples, "parked_messages", queue=ORDERS_FROM_BILLING) == 0.0
        assert len(await running.broker.list_parked(ORDERS_FROM_MEMBERS)) == 2


@pytest.mark.rabbitmq
async def test_parked_messages_are_counted_per_queue_on_rabbitmq(tmp_path, amqp_url: str) -> None:
    settings = OrdersSettings(
        database_url=f"sqlite+aiosqlite:///{tmp_path}/orders.db", metrics_refresh_interval_s=0.05
    )
    async with run_services([(ORDERS, settings)], amqp_url=amqp_url) as running:
        await scraped(running.client, "parked_messages", 0.0, queue=ORDERS_FROM_MEMBERS)
        await publish_unreadable(running, "members.member.registered")
        samples = await scraped(running.client, "parked_messages", 1.0, queue=ORDERS_FROM_MEMBERS)
        assert value(samples, "parked_messages", queue=ORDERS_FROM_BILLING) == 0.0


async def test_billing_reports_its_invoices_by_kind_and_status(tmp_path) -> None:
    settings = BillingSettings(
        database_url=f"sqlite+aiosqlite:///{tmp_path}/billing.db",
        retry_delay_ms=100,
        metrics_refresh_interval_s=0.05,
    )
    async with run_services([(BILLING, settings)]) as running:
        samples = await scraped(running.client, "billing_invoices", 0.0, kind="supplier", status="matched")
        await issued_member_invoice(running)
        samples = await scraped(running.client, "billing_invoices", 1.0, kind="supplier", status="matched")
        samples = await scraped(running.client, "billing_invoices", 1.0, kind="member", status="issued")

    invoices = {
        (dict(labels)["kind"], dict(labels)["status"]): count
        for (name, labels), count in samples.items()
        if name == "billing_invoices"
    }
    assert {key: count for key, count in invoices.items() if count} == {
        ("supplier", "matched"): 1.0,
        ("member", "issued"): 1.0,
    }
    assert {status for kind, status in invoices if kind == "supplier"} == {
        "matched",
        "exception",
        "approved",
        "disputed",
    }
