"""Matching holds a supplier invoice to what was attested as done (service fait), through the API: the
attestations arrive as `orders.service.attested` events and are summed per PO line."""

from __future__ import annotations

import pytest

from tests.billing.helpers import (
    attested,
    envelope_of,
    eventually,
    known_purchase_order,
    member_invoice_of,
    po_line,
    publish,
    purchase_order_issued,
    service_attested,
    supplier_invoice_body,
)

pytestmark = pytest.mark.postgres


def lines_of(po, **quantities: str) -> list[dict]:
    """The PO's lines at its prices, with the given quantities (`l1="4"`), only those named."""
    body = supplier_invoice_body(po)["lines"]
    return [
        line | {"quantity": quantities[f"l{line['line_no']}"]}
        for line in body
        if f"l{line['line_no']}" in quantities
    ]


async def submit(billing, po, **quantities: str) -> dict:
    response = await billing.client.post(
        "/v1/supplier-invoices", json=supplier_invoice_body(po, lines=lines_of(po, **quantities))
    )
    assert response.status_code == 201, response.text
    return response.json()


async def test_an_invoice_before_any_attestation_is_an_exception_saying_so(billing) -> None:
    po = purchase_order_issued(po_line(1, "10", "125.00"))
    await known_purchase_order(billing, po, attest=False)

    body = await submit(billing, po, l1="10")

    assert body["status"] == "exception"
    assert [(r["code"], r["line_no"]) for r in body["reasons"]] == [("quantity_not_attested", 1)]
    assert "only 0 attested as done" in body["reasons"][0]["message"]


async def test_partial_attestations_are_summed_and_bound_what_can_be_invoiced(billing) -> None:
    po = purchase_order_issued(po_line(1, "10", "125.00"), po_line(2, "4", "49.99"))
    await known_purchase_order(billing, po, attest=False)
    await attested(billing, po, {1: "3"})
    view = await attested(billing, po, {1: "2", 2: "4"})

    within = await submit(billing, po, l1="5", l2="4")
    over = await submit(billing, po, l1="1")

    assert [line["attested_quantity"] for line in view["lines"]] == ["5.0000", "4.0000"]
    assert within["status"] == "matched"
    invoice = await member_invoice_of(billing, within["id"])
    assert invoice["total_excl_tax"] == "824.96"  # 5 x 125.00 + 4 x 49.99
    assert over["status"] == "exception"
    assert [(r["code"], r["line_no"]) for r in over["reasons"]] == [("quantity_not_attested", 1)]


async def test_two_invoices_on_one_po_share_the_attested_quantities(billing) -> None:
    po = purchase_order_issued(po_line(1, "10", "125.00"))
    await known_purchase_order(billing, po, attest=False)
    await attested(billing, po, {1: "6"})

    first = await submit(billing, po, l1="4")
    await member_invoice_of(billing, first["id"])
    beyond = await submit(billing, po, l1="3")
    await attested(billing, po, {1: "1"})  # one more done: 7 attested, 4 invoiced, 3 claimed by the exception
    still_beyond = await submit(billing, po, l1="1")

    assert (first["status"], beyond["status"], still_beyond["status"]) == (
        "matched",
        "exception",
        "exception",
    )
    assert "only 2 attested as done and not yet invoiced" in beyond["reasons"][0]["message"]
    order = (await billing.client.get(f"/v1/billing/purchase-orders/{po.po_number}")).json()
    assert order["billing_state"] == "partly_billed"
    assert order["lines"][0]["invoiced_quantity"] == "8.0000"  # the pending exceptions still claim theirs


async def test_an_attestation_delivered_twice_counts_once(billing) -> None:
    po = purchase_order_issued(po_line(1, "10", "125.00"))
    await known_purchase_order(billing, po, attest=False)
    attestation = service_attested(po, {1: "4"})
    envelope = envelope_of(attestation)
    await publish(billing, envelope)
    await publish(billing, envelope_of(attestation))  # the same fact under another message id

    async def four() -> bool:
        body = (await billing.client.get(f"/v1/billing/purchase-orders/{po.po_number}")).json()
        return body["lines"][0]["attested_quantity"] == "4.0000"

    await eventually(four)
    await publish(billing, envelope)  # and the same message again
    over = await submit(billing, po, l1="5")
    assert over["status"] == "exception"
