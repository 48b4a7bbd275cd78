"""Receiving supplier invoices through the API, on real PostgreSQL: refusals, matching, rebilling."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from services.billing.adapters.tables import messaging
from services.billing.bootstrap import DEFINITION
from services.billing.config import BillingSettings
from shared.clock import paris_today
from tests.apps import run_services
from tests.billing.helpers import (
    BUYER,
    known_purchase_order,
    member_invoice_of,
    po_line,
    purchase_order_issued,
    supplier_invoice_body,
)

pytestmark = pytest.mark.postgres


async def emitted_types(running) -> list[str]:
    async with running.runtimes["billing"].db.sessionmaker() as session:
        rows = (
            await session.execute(select(messaging.outbox.c.routing_key).order_by(messaging.outbox.c.id))
        ).all()
    return [row.routing_key for row in rows]


async def test_a_matching_supplier_invoice_is_rebilled_as_one_numbered_member_invoice(billing) -> None:
    po = purchase_order_issued(po_line(1, "10", "125.00"), po_line(2, "3", "33.335", vat_rate="5.50"))
    await known_purchase_order(billing, po)

    response = await billing.client.post("/v1/supplier-invoices", json=supplier_invoice_body(po))

    assert response.status_code == 201, response.text
    received = response.json()
    assert received["status"] == "matched" and received["reasons"] == []
    assert received["total_excl_tax"] == "1350.01"  # 1250.00 + 100.005 rounded half-up
    assert received["payment_deadline"] == str(
        dt.date.fromisoformat(received["received_on"]) + dt.timedelta(30)
    )
    invoice = await member_invoice_of(billing, received["id"])
    today = paris_today()
    assert invoice["number"] == f"FAC-M-{today.year}-000001"
    assert invoice["issue_date"] == str(today)
    assert invoice["due_date"] == str(today + dt.timedelta(days=30)) and invoice["due_date_is_provisional"]
    assert (invoice["po_number"], invoice["quote_number"], invoice["commitment_number"]) == (
        po.po_number,
        po.quote_number,
        po.commitment_number,
    )
    assert invoice["buyer"]["siret"] == BUYER.siret and invoice["buyer"]["service_code"] == "SERV-NUM"
    assert [(line["quantity"], line["unit_price"], line["net_amount"]) for line in invoice["lines"]] == [
        ("10.0000", "125.0000", "1250.00"),
        ("3.0000", "33.3350", "100.01"),
    ]
    assert [(v["vat_rate"], v["taxable_amount"], v["vat_amount"]) for v in invoice["vat_breakdown"]] == [
        ("5.50", "100.01", "5.50"),
        ("20.00", "1250.00", "250.00"),
    ]
    assert (invoice["total_excl_tax"], invoice["total_vat"], invoice["total_incl_tax"]) == (
        "1350.01",
        "255.50",
        "1605.51",
    )
    assert await emitted_types(billing) == [
        "billing.supplier_invoice.received",
        "billing.supplier_invoice.matched",
        "billing.invoice.issued",
    ]
    order = (await billing.client.get(f"/v1/billing/purchase-orders/{po.po_number}")).json()
    assert order["billing_state"] == "fully_billed"


async def test_an_unknown_po_is_refused_naming_po_number_and_nothing_is_kept(billing) -> None:
    po = purchase_order_issued()
    body = supplier_invoice_body(po, "TIT-UNKNOWN-PO")

    refused = await billing.client.post("/v1/supplier-invoices", json=body)

    assert refused.status_code == 422
    assert refused.headers["content-type"] == "application/problem+json"
    assert refused.json()["errors"][0]["field"] == "po_number"
    await known_purchase_order(billing, po)  # the PO event arrives late: the same invoice now goes through
    accepted = await billing.client.post("/v1/supplier-invoices", json=body)
    assert accepted.status_code == 201
    await member_invoice_of(billing, accepted.json()["id"])
    assert await emitted_types(billing) == [
        "billing.supplier_invoice.received",
        "billing.supplier_invoice.matched",
        "billing.invoice.issued",
    ]


async def test_the_same_contractor_invoice_number_is_refused_as_a_duplicate(billing) -> None:
    po = purchase_order_issued(po_line(1, "10", "10.00"))
    await known_purchase_order(billing, po)
    first = supplier_invoice_body(
        po, "TIT-0042", lines=[{**supplier_invoice_body(po)["lines"][0], "quantity": "1"}]
    )
    assert (await billing.client.post("/v1/supplier-invoices", json=first)).status_code == 201

    again = await billing.client.post("/v1/supplier-invoices", json=first)

    assert again.status_code == 409 and again.json()["errors"][0]["field"] == "supplier_invoice_number"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"quantity": "0"}, "lines.0.quantity"),
        ({"quantity": "-2"}, "lines.0.quantity"),
        ({"unit_price": "-0.01"}, "lines.0.unit_price"),
        ({"vat_category": "X"}, "lines.0.vat_category"),
        ({"unexpected": "field"}, "lines.0.unexpected"),
    ],
)
async def test_bad_lines_are_refused_naming_the_field(billing, change, field) -> None:
    po = purchase_order_issued(po_line(1, "10", "10.00"))
    await known_purchase_order(billing, po)
    line = {**supplier_invoice_body(po)["lines"][0], **change}

    refused = await billing.client.post("/v1/supplier-invoices", json=supplier_invoice_body(po, lines=[line]))

    assert refused.status_code == 422, refused.text
    assert [e["field"] for e in refused.json()["errors"]] == [field]
    assert await emitted_types(billing) == []


async def test_a_total_that_is_not_the_sum_of_the_line_nets_is_refused(billing) -> None:
    po = purchase_order_issued(po_line(1, "3", "0.335"))
    await known_purchase_order(billing, po)

    refused = await billing.client.post("/v1/supplier-invoices", json=supplier_invoice_body(po, total="1.00"))

    assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == "total_excl_tax"
    assert "1.01" in refused.json()["detail"]


async def test_a_mismatch_is_an_exception_listing_every_reason_and_is_not_rebilled(billing) -> None:
    po = purchase_order_issued(po_line(1, "10", "125.00"), po_line(2, "4", "49.99", vat_rate="5.50"))
    await known_purchase_order(billing, po)
    lines = supplier_invoice_body(po)["lines"]
    lines[0] |= {"quantity": "11"}
    lines[1] |= {"unit_price": "50.00", "vat_rate": "20.00"}

    response = await billing.client.post("/v1/supplier-invoices", json=supplier_invoice_body(po, lines=lines))

    assert response.status_code == 201
    body = response.json()
    assert body["status"] == "exception"
    assert [(r["code"], r["line_no"]) for r in body["reasons"]] == [
        ("quantity_exceeds", 1),
        ("unit_price_mismatch", 2),
        ("vat_mismatch", 2),
    ]
    assert await emitted_types(billing) == [
        "billing.supplier_invoice.received",
        "billing.supplier_invoice.exception",
    ]
    read = (await billing.client.get(f"/v1/supplier-invoices/{body['id']}")).json()
    assert read["status"] == "exception" and read["member_invoice"] is None
    order = (await billing.client.get(f"/v1/billing/purchase-orders/{po.po_number}")).json()
    assert order["billing_state"] == "nothing_billed"


async def test_two_invoices_on_one_po_bill_it_partly_then_fully_and_a_third_is_over_invoicing(
    billing,
) -> None:
    po = purchase_order_issued(po_line(1, "10", "125.00"), po_line(2, "4", "49.99"))
    await known_purchase_order(billing, po)
    line1, line2 = supplier_invoice_body(po)["lines"]

    first = (
        await billing.client.post(
            "/v1/supplier-invoices", json=supplier_invoice_body(po, lines=[line1 | {"quantity": "4"}])
        )
    ).json()
    await member_invoice_of(billing, first["id"])
    partly = (await billing.client.get(f"/v1/billing/purchase-orders/{po.po_number}")).json()
    second = (
        await billing.client.post(
            "/v1/supplier-invoices", json=supplier_invoice_body(po, lines=[line1 | {"quantity": "6"}, line2])
        )
    ).json()
    await member_invoice_of(billing, second["id"])
    fully = (await billing.client.get(f"/v1/billing/purchase-orders/{po.po_number}")).json()
    third = (
        await billing.client.post(
            "/v1/supplier-invoices", json=supplier_invoice_body(po, lines=[line1 | {"quantity": "1"}])
        )
    ).json()

    assert (first["status"], second["status"], third["status"]) == ("matched", "matched", "exception")
    assert partly["billing_state"] == "partly_billed"
    assert [line["rebilled_quantity"] for line in partly["lines"]] == ["4.0000", "0"]
    assert fully["billing_state"] == "fully_billed"
    assert third["reasons"][0]["code"] == "quantity_exceeds"


async def test_a_configured_price_tolerance_lets_a_cent_through_and_the_member_pays_the_invoiced_price(
    pg_url,
) -> None:
    settings = BillingSettings(database_url=pg_url, retry_delay_ms=100, price_tolerance="0.01")
    async with run_services([(DEFINITION, settings)]) as running:
        po = purchase_order_issued(po_line(1, "2", "125.00"))
        await known_purchase_order(running, po)
        line = supplier_invoice_body(po)["lines"][0] | {"unit_price": "125.01"}

        within = (
            await running.client.post(
                "/v1/supplier-invoices", json=supplier_invoice_body(po, lines=[line | {"quantity": "1"}])
            )
        ).json()
        beyond = (
            await running.client.post(
                "/v1/supplier-invoices",
                json=supplier_invoice_body(po, lines=[line | {"quantity": "1", "unit_price": "125.02"}]),
            )
        ).json()

        assert within["status"] == "matched" and beyond["status"] == "exception"
        invoice = await member_invoice_of(running, within["id"])
        assert invoice["total_excl_tax"] == within["total_excl_tax"] == "125.01"


async def test_invoices_are_listed_by_member_and_po_in_number_order_with_a_cursor(billing) -> None:
    po = purchase_order_issued(po_line(1, "3", "10.00"))
    other = purchase_order_issued(
        po_line(1, "1", "10.00"), buyer=BUYER.model_copy(update={"member_id": "other"})
    )
    await known_purchase_order(billing, po)
    await known_purchase_order(billing, other)
    line = supplier_invoice_body(po)["lines"][0] | {"quantity": "1"}
    for _ in range(3):
        created = (
            await billing.client.post("/v1/supplier-invoices", json=supplier_invoice_body(po, lines=[line]))
        ).json()
        await member_invoice_of(billing, created["id"])
    other_invoice = (
        await billing.client.post("/v1/supplier-invoices", json=supplier_invoice_body(other))
    ).json()
    await member_invoice_of(billing, other_invoice["id"])

    page1 = (
        await billing.client.get("/v1/invoices", params={"member_id": BUYER.member_id, "limit": 2})
    ).json()
    page2 = (
        await billing.client.get(
            "/v1/invoices", params={"member_id": BUYER.member_id, "limit": 2, "cursor": page1["next_cursor"]}
        )
    ).json()
    by_po = (await billing.client.get("/v1/invoices", params={"po_number": other.po_number})).json()

    year = paris_today().year
    assert [i["number"] for i in page1["items"]] == [f"FAC-M-{year}-000001", f"FAC-M-{year}-000002"]
    assert [i["number"] for i in page2["items"]] == [f"FAC-M-{year}-000003"] and page2["next_cursor"] is None
    assert [i["buyer"]["member_id"] for i in by_po["items"]] == ["other"]
    assert isinstance(page1["items"][0]["total_incl_tax"], str)


async def test_unknown_invoices_and_pos_answer_404_problems(billing) -> None:
    for path in (
        "/v1/invoices/not-a-uuid",
        "/v1/invoices/00000000-0000-0000-0000-000000000000",
        "/v1/supplier-invoices/00000000-0000-0000-0000-000000000000",
        "/v1/billing/purchase-orders/BC-NOPE",
    ):
        response = await billing.client.get(path)
        assert response.status_code == 404, path
        assert response.headers["content-type"] == "application/problem+json"
