"""Finance staff decide on an exception: approve with a written reason (then rebilled exactly once) or
dispute (not rebilled, its quantities released for the contractor's corrected invoice)."""

from __future__ import annotations

import pytest

from tests.billing.helpers import (
    known_purchase_order,
    member_invoice_of,
    po_line,
    purchase_order_issued,
    supplier_invoice_body,
)
from tests.billing.test_supplier_invoice_api import emitted_types

pytestmark = pytest.mark.postgres

DECISION = {"reason": "Révision de prix prévue au CCAP (index Syntec)", "decided_by": "c.martin (finances)"}


async def an_exception(billing, po) -> dict:
    await known_purchase_order(billing, po)
    line = supplier_invoice_body(po)["lines"][0] | {"unit_price": "126.00"}
    created = await billing.client.post("/v1/supplier-invoices", json=supplier_invoice_body(po, lines=[line]))
    assert created.json()["status"] == "exception"
    return created.json()


async def test_an_approved_exception_is_rebilled_once_at_the_invoiced_price(billing) -> None:
    po = purchase_order_issued(po_line(1, "10", "125.00"))
    exception = await an_exception(billing, po)

    approved = await billing.client.post(f"/v1/supplier-invoices/{exception['id']}/approve", json=DECISION)
    twice = await billing.client.post(f"/v1/supplier-invoices/{exception['id']}/approve", json=DECISION)
    invoice = await member_invoice_of(billing, exception["id"])

    assert approved.status_code == 200, approved.text
    body = approved.json()
    assert body["status"] == "approved" and body["decision"]["reason"] == DECISION["reason"]
    assert body["decision"]["decided_by"] == DECISION["decided_by"]
    assert twice.status_code == 409
    assert invoice["total_excl_tax"] == "1260.00" and invoice["lines"][0]["unit_price"] == "126.0000"
    assert await emitted_types(billing) == [
        "billing.supplier_invoice.received",
        "billing.supplier_invoice.exception",
        "billing.supplier_invoice.approved",
        "billing.invoice.issued",
    ]
    order = (await billing.client.get(f"/v1/billing/purchase-orders/{po.po_number}")).json()
    assert order["billing_state"] == "fully_billed"
    listed = (await billing.client.get("/v1/invoices", params={"po_number": po.po_number})).json()["items"]
    assert len(listed) == 1


async def test_a_disputed_exception_is_not_rebilled_and_frees_its_quantities(billing) -> None:
    po = purchase_order_issued(po_line(1, "10", "125.00"))
    exception = await an_exception(billing, po)

    disputed = await billing.client.post(
        f"/v1/supplier-invoices/{exception['id']}/dispute",
        json={"reason": "Prix hors BPU : avoir demandé au titulaire", "decided_by": "c.martin"},
    )
    corrected = await billing.client.post(
        "/v1/supplier-invoices", json=supplier_invoice_body(po, "TIT-CORRIGEE")
    )
    approve_after = await billing.client.post(
        f"/v1/supplier-invoices/{exception['id']}/approve", json=DECISION
    )

    assert disputed.status_code == 200 and disputed.json()["status"] == "disputed"
    assert corrected.json()["status"] == "matched"  # the disputed one claims nothing any more
    await member_invoice_of(billing, corrected.json()["id"])
    assert approve_after.status_code == 409
    read = (await billing.client.get(f"/v1/supplier-invoices/{exception['id']}")).json()
    assert read["status"] == "disputed" and read["member_invoice"] is None
    types = await emitted_types(billing)
    assert "billing.supplier_invoice.disputed" in types and types.count("billing.invoice.issued") == 1


@pytest.mark.parametrize(
    ("body", "field"),
    [({"reason": "  ", "decided_by": "x"}, "reason"), ({"reason": "ok"}, "decided_by")],
)
async def test_a_decision_needs_a_written_reason_and_who_decides(billing, body, field) -> None:
    exception = await an_exception(billing, purchase_order_issued(po_line(1, "10", "125.00")))

    refused = await billing.client.post(f"/v1/supplier-invoices/{exception['id']}/approve", json=body)

    assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == field
    read = (await billing.client.get(f"/v1/supplier-invoices/{exception['id']}")).json()
    assert read["status"] == "exception"


async def test_a_matched_invoice_cannot_be_approved_or_disputed(billing) -> None:
    po = purchase_order_issued(po_line(1, "10", "125.00"))
    await known_purchase_order(billing, po)
    matched = (await billing.client.post("/v1/supplier-invoices", json=supplier_invoice_body(po))).json()
    for action in ("approve", "dispute"):
        response = await billing.client.post(f"/v1/supplier-invoices/{matched['id']}/{action}", json=DECISION)
        assert response.status_code == 409
