"""One matched supplier invoice gives exactly one member invoice, and takes exactly one number, however
often or concurrently its event is delivered. The relay is off here: the test delivers the event itself."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import func, select

from services.billing.adapters.tables import counters, member_invoices, messaging
from services.billing.bootstrap import DEFINITION
from services.billing.config import BillingSettings
from services.billing.use_cases.rebilling import RebillSupplierInvoice, rebill_supplier_invoice
from shared.clock import paris_today
from shared.contracts.envelope import Envelope
from shared.contracts.topology import BILLING_REBILLING
from tests.apps import RunningServices, run_services
from tests.billing.helpers import (
    eventually,
    known_purchase_order,
    publish,
    purchase_order_issued,
    supplier_invoice_body,
)

pytestmark = pytest.mark.postgres


@pytest.fixture
async def billing_without_relay(pg_url: str) -> AsyncIterator[RunningServices]:
    settings = BillingSettings(database_url=pg_url, retry_delay_ms=100, roles="api,consumers")
    async with run_services([(DEFINITION, settings)]) as running:
        yield running


async def matched_envelope(running: RunningServices) -> Envelope:
    """A supplier invoice matched through the API; its `matched` event as it waits in the outbox."""
    po = purchase_order_issued()
    await known_purchase_order(running, po)
    created = await running.client.post("/v1/supplier-invoices", json=supplier_invoice_body(po))
    assert created.json()["status"] == "matched"
    async with running.runtimes["billing"].db.sessionmaker() as session:
        body = (
            await session.execute(
                select(messaging.outbox.c.body).where(
                    messaging.outbox.c.routing_key == "billing.supplier_invoice.matched"
                )
            )
        ).scalar_one()
    return Envelope.model_validate_json(body)


def redelivered_as_new_message(envelope: Envelope) -> Envelope:
    """The same fact under another message id: what a republishing producer would send."""
    return envelope.model_copy(update={"message_id": uuid.uuid4()})


async def issued(running: RunningServices) -> tuple[list[str], int | None]:
    """(member invoice numbers, the marketplace counter's last number) once the rebilling queue is idle."""
    broker = running.broker
    await eventually(lambda: _true(broker.depth(BILLING_REBILLING) == 0))
    async with running.runtimes["billing"].db.sessionmaker() as session:
        numbers = (await session.execute(select(member_invoices.c.number))).scalars().all()
        last = (await session.execute(select(func.max(counters.c.last_number)))).scalar_one()
    return list(numbers), last


async def _true(value: bool) -> bool:
    return value


async def test_the_same_event_delivered_twice_issues_one_invoice(billing_without_relay) -> None:
    running = billing_without_relay
    envelope = await matched_envelope(running)

    await publish(running, envelope)
    await eventually(lambda: _first_invoice(running))
    await publish(running, envelope)

    numbers, last = await issued(running)
    assert numbers == [f"FAC-M-{paris_today().year}-000001"] and last == 1


async def test_two_deliveries_racing_issue_one_invoice(billing_without_relay) -> None:
    running = billing_without_relay
    envelope = await matched_envelope(running)

    await asyncio.gather(publish(running, envelope), publish(running, envelope))
    await eventually(lambda: _first_invoice(running))

    numbers, last = await issued(running)
    assert len(numbers) == 1 and last == 1


async def test_two_distinct_messages_of_one_fact_racing_issue_one_invoice_and_consume_one_number(
    billing_without_relay,
) -> None:
    running = billing_without_relay
    envelope = await matched_envelope(running)
    copies = [envelope, *(redelivered_as_new_message(envelope) for _ in range(4))]

    await asyncio.gather(*(publish(running, copy) for copy in copies))
    await eventually(lambda: _first_invoice(running))

    numbers, last = await issued(running)
    assert len(numbers) == 1 and last == 1
    assert await running.broker.list_parked(BILLING_REBILLING) == []  # no copy failed its way to parking


async def test_concurrent_rebilling_transactions_wait_for_each_other_instead_of_failing(
    billing_without_relay,
) -> None:
    running = billing_without_relay
    envelope = await matched_envelope(running)
    command = RebillSupplierInvoice(
        supplier_invoice_id=envelope.payload["supplier_invoice_id"], issue_date=paris_today()
    )

    async def rebill_and_commit():
        async with running.runtimes["billing"].unit_of_work() as uow:
            invoice = await rebill_supplier_invoice(command, uow)
            await uow.commit()
            return invoice

    results = await asyncio.gather(*(rebill_and_commit() for _ in range(5)))

    assert sum(result is not None for result in results) == 1
    numbers, last = await issued(running)
    assert len(numbers) == 1 and last == 1


async def _first_invoice(running: RunningServices) -> bool:
    async with running.runtimes["billing"].db.sessionmaker() as session:
        return bool((await session.execute(select(func.count()).select_from(member_invoices))).scalar_one())
