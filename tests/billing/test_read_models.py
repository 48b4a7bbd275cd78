"""Billing's read models of members and POs, fed by the other services' events through its consumers."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest

from services.billing.adapters.read_models import MemberDirectory
from shared.contracts.common import PostalAddress
from shared.contracts.envelope import Envelope
from shared.contracts.members import MemberRegistered, MemberUpdated
from shared.contracts.orders import QuoteAccepted
from shared.contracts.topology import BILLING_FROM_MEMBERS, BILLING_FROM_ORDERS
from tests.billing.helpers import eventually, known_purchase_order, publish, purchase_order_issued

pytestmark = pytest.mark.postgres

NOW = dt.datetime(2026, 11, 28, 10, 0, tzinfo=dt.UTC)


def member_event(cls, member_id: str, name: str, at: dt.datetime) -> Envelope:
    event = cls(
        member_id=member_id,
        kind="epci",
        name=name,
        siren="200044618",
        siret="20004461800019",
        address=PostalAddress(line1="1 place", postcode="59000", city="Lille"),
    )
    return Envelope.wrap(event, producer="members", correlation_id="c", occurred_at=at)


async def test_a_late_older_member_event_does_not_roll_the_member_back(billing) -> None:
    member_id = str(uuid.uuid4())
    runtime = billing.runtimes["billing"]

    async def name() -> str | None:
        async with runtime.unit_of_work() as uow:
            row = await MemberDirectory(uow.session).get(member_id)
        return row["name"] if row else None

    await publish(billing, member_event(MemberUpdated, member_id, "CA du Douaisis (renamed)", NOW))
    await eventually(name)
    await publish(
        billing, member_event(MemberRegistered, member_id, "CA du Douaisis", NOW - dt.timedelta(days=3))
    )
    await eventually(lambda: _idle(billing, BILLING_FROM_MEMBERS))

    assert await name() == "CA du Douaisis (renamed)"


async def test_a_po_announced_twice_is_recorded_once_and_other_orders_events_are_ignored(billing) -> None:
    po = purchase_order_issued()
    await known_purchase_order(billing, po)
    await publish(billing, Envelope.wrap(po, producer="orders", correlation_id="again"))  # another message id
    await publish(
        billing,
        Envelope.wrap(
            QuoteAccepted(
                quote_id="q",
                quote_number="DEV-1",
                member_id="m",
                accepted_by="someone",
                accepted_at=NOW,
                commitment_number=None,
                total_excl_tax="10.00",
            ),
            producer="orders",
            correlation_id="c",
        ),
    )
    await eventually(lambda: _idle(billing, BILLING_FROM_ORDERS))

    order = (await billing.client.get(f"/v1/billing/purchase-orders/{po.po_number}")).json()
    assert [line["line_no"] for line in order["lines"]] == [1, 2]
    assert order["commitment_number"] == po.commitment_number and order["billing_state"] == "nothing_billed"
    assert await billing.broker.list_parked(BILLING_FROM_ORDERS) == []


async def _idle(billing, queue: str) -> bool:
    return billing.broker.depth(queue) == 0
