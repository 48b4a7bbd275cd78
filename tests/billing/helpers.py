"""Feeding billing's read models through its running consumers, and waiting for asynchronous effects."""

from __future__ import annotations

import asyncio
import datetime as dt
import itertools
import uuid
from collections.abc import Awaitable, Callable
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, TypeVar

from shared.contracts.common import DocumentLine, PartySnapshot, PostalAddress
from shared.contracts.envelope import Envelope, Event
from shared.contracts.orders import AttestedQuantity, PurchaseOrderIssued, ServiceAttested
from shared.messaging.broker import OutgoingMessage
from tests.apps import RunningServices

T = TypeVar("T")
_po_numbers = itertools.count(1)

MEMBER_ID = str(uuid.uuid4())
BUYER = PartySnapshot(
    member_id=MEMBER_ID,
    name="Communauté d'agglomération du Douaisis",
    siren="200044618",
    siret="20004461800019",
    address=PostalAddress(line1="746 rue Jean Perrin", postcode="59500", city="Douai"),
    service_code="SERV-NUM",
    chorus_requirement="both",
)


def po_line(
    line_no: int,
    quantity: str,
    unit_price: str,
    vat_rate: str = "20.00",
    vat_category: str = "S",
) -> DocumentLine:
    return DocumentLine(
        line_no=line_no,
        item_code=f"BPU-{line_no:03d}",
        label=f"Prestation {line_no}",
        unit="unit",
        quantity=Decimal(quantity),
        unit_price=Decimal(unit_price),
        vat_category=vat_category,
        vat_rate=Decimal(vat_rate),
    )


def purchase_order_issued(*lines: DocumentLine, buyer: PartySnapshot = BUYER) -> PurchaseOrderIssued:
    n = next(_po_numbers)
    lines = lines or (po_line(1, "10", "125.00"), po_line(2, "4", "49.99", vat_rate="5.50"))
    return PurchaseOrderIssued(
        purchase_order_id=str(uuid.uuid4()),
        po_number=f"BC-2026-{uuid.uuid4().hex[:6]}-{n}",
        quote_id=str(uuid.uuid4()),
        quote_number=f"DEV-2026-{n:06d}",
        issued_on=dt.date(2026, 11, 2),
        buyer=buyer,
        commitment_number=f"EJ-{n:08d}",
        lines=list(lines),
        total_excl_tax=sum((line.quantity * line.unit_price for line in lines), Decimal(0)).quantize(
            Decimal("0.01")
        ),
    )


def envelope_of(event: Event, producer: str = "orders") -> Envelope:
    return Envelope.wrap(event, producer=producer, correlation_id=str(uuid.uuid4()))


async def publish(running: RunningServices, envelope: Envelope) -> None:
    await running.broker.publish(
        OutgoingMessage(
            message_id=str(envelope.message_id),
            routing_key=envelope.type,
            body=envelope.model_dump_json().encode(),
            correlation_id=envelope.correlation_id,
        )
    )


async def eventually(probe: Callable[[], Awaitable[T | None]], *, timeout: float = 10.0) -> T:
    """Poll until `probe` returns something truthy (the consumers work asynchronously)."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        result = await probe()
        if result:
            return result
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"nothing after {timeout}s")
        await asyncio.sleep(0.05)


async def known_purchase_order(
    running: RunningServices, event: PurchaseOrderIssued, *, attest: bool = True
) -> dict[str, Any]:
    """Publish the PO as the orders service would, and wait until billing's read model has it; with
    `attest` (the usual case in tests about something else) everything ordered is attested as done."""
    await publish(running, envelope_of(event))

    async def probe() -> dict[str, Any] | None:
        response = await running.client.get(f"/v1/billing/purchase-orders/{event.po_number}")
        return response.json() if response.status_code == 200 else None

    known = await eventually(probe)
    if attest:
        return await attested(running, event, {line.line_no: str(line.quantity) for line in event.lines})
    return known


def service_attested(
    event: PurchaseOrderIssued, quantities: dict[int, str], *, attested_on: dt.date = dt.date(2026, 11, 15)
) -> ServiceAttested:
    return ServiceAttested(
        attestation_id=str(uuid.uuid4()),
        purchase_order_id=event.purchase_order_id,
        po_number=event.po_number,
        member_id=event.buyer.member_id,
        attested_on=attested_on,
        attested_by="agent du syndicat",
        lines=[AttestedQuantity(line_no=n, quantity=Decimal(q)) for n, q in quantities.items()],
    )


async def attested(
    running: RunningServices,
    event: PurchaseOrderIssued,
    quantities: dict[int, str],
    *,
    attested_on: dt.date = dt.date(2026, 11, 15),
) -> dict[str, Any]:
    """Publish one service-done attestation of these quantities (as the orders service would) and wait
    until billing's view of the PO includes it."""
    before = await running.client.get(f"/v1/billing/purchase-orders/{event.po_number}")
    expected = {
        line["line_no"]: Decimal(line["attested_quantity"]) + Decimal(quantities.get(line["line_no"], "0"))
        for line in before.json()["lines"]
    }
    await publish(running, envelope_of(service_attested(event, quantities, attested_on=attested_on)))

    async def probe() -> dict[str, Any] | None:
        body = (await running.client.get(f"/v1/billing/purchase-orders/{event.po_number}")).json()
        now = {line["line_no"]: Decimal(line["attested_quantity"]) for line in body["lines"]}
        return body if now == expected else None

    return await eventually(probe)


def supplier_invoice_body(
    event: PurchaseOrderIssued,
    number: str | None = None,
    *,
    lines: list[dict] | None = None,
    total: str | None = None,
) -> dict[str, Any]:
    """The contractor's invoice for (by default) everything the PO ordered, at the PO's prices."""
    lines = (
        lines
        if lines is not None
        else [
            {
                "line_no": ln.line_no,
                "item_code": ln.item_code,
                "label": ln.label,
                "unit": ln.unit,
                "quantity": str(ln.quantity),
                "unit_price": str(ln.unit_price),
                "vat_category": ln.vat_category,
                "vat_rate": str(ln.vat_rate),
            }
            for ln in event.lines
        ]
    )
    if total is None:
        total = str(
            sum(
                (Decimal(x["quantity"]) * Decimal(x["unit_price"])).quantize(Decimal("0.01"), ROUND_HALF_UP)
                for x in lines
            )
        )
    return {
        "supplier_invoice_number": number or f"TIT-{uuid.uuid4().hex[:10]}",
        "po_number": event.po_number,
        "issue_date": "2026-11-20",
        "lines": lines,
        "total_excl_tax": total,
    }


async def member_invoice_of(running: RunningServices, supplier_invoice_id: str) -> dict[str, Any]:
    """Wait for the rebilling consumer to issue the member invoice of a supplier invoice."""

    async def probe() -> dict[str, Any] | None:
        body = (await running.client.get(f"/v1/supplier-invoices/{supplier_invoice_id}")).json()
        return body["member_invoice"]

    ref = await eventually(probe)
    return (await running.client.get(f"/v1/invoices/{ref['id']}")).json()


async def issued_member_invoice(
    running: RunningServices, event: PurchaseOrderIssued | None = None
) -> dict[str, Any]:
    """A PO known and attested, the contractor's invoice for all of it, and the member invoice it became."""
    event = event or purchase_order_issued()
    await known_purchase_order(running, event)
    created = await running.client.post("/v1/supplier-invoices", json=supplier_invoice_body(event))
    assert created.status_code == 201 and created.json()["status"] == "matched", created.text
    return await member_invoice_of(running, created.json()["id"])
