"""Billing's member invoice for a purchase order, consumed on `orders.billing`, shows on the PO."""

from __future__ import annotations

import uuid
from decimal import Decimal

import pytest

from shared.contracts.billing import InvoiceIssued, SupplierInvoiceException
from tests.orders.helpers import TODAY, add_item, adhering_member_known_to_orders, sent_quote
from tests.orders.messages import deliver

pytestmark = pytest.mark.postgres


def invoice_issued(member_id: str, po_number: str | None, number: str = "FM-2026-000007") -> InvoiceIssued:
    return InvoiceIssued(
        invoice_id=str(uuid.uuid4()),
        number=number,
        series="marketplace",
        member_id=member_id,
        issue_date=TODAY,
        due_date=TODAY,
        due_date_is_provisional=True,
        total_excl_tax=Decimal("361.50"),
        total_vat=Decimal("72.30"),
        total_incl_tax=Decimal("433.80"),
        po_number=po_number,
    )


async def test_the_member_invoice_issued_by_billing_is_recorded_on_the_purchase_order(
    services, client
) -> None:
    member_id = await adhering_member_known_to_orders(client, 401)
    await add_item(client)
    quote = await sent_quote(client, member_id)
    po_number = (await client.post(f"/v1/quotes/{quote['id']}/accept", json={"accepted_by": "A"})).json()[
        "purchase_order"
    ]["po_number"]

    await deliver(
        services,
        SupplierInvoiceException(
            supplier_invoice_id="s1", supplier_invoice_number="F-1", po_number=po_number, reasons=["price"]
        ),
        producer="billing",
        wait=False,
    )
    await deliver(services, invoice_issued(member_id, None, "FC-2026-000001"), producer="billing")
    await deliver(services, invoice_issued(member_id, po_number), producer="billing")

    order = (await client.get(f"/v1/purchase-orders/{po_number}")).json()
    assert order["member_invoice_number"] == "FM-2026-000007"
    assert [entry["kind"] for entry in order["history"]] == ["issued", "member_invoiced"]
    assert "FM-2026-000007" in order["history"][1]["detail"]
