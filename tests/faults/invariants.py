"""The flow's invariants (../shared/ARCHITECTURE.md), checked after a run from the public APIs and the
services' own databases: nothing lost, nothing doubled, every message accounted for."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import asyncpg
import httpx

from shared.contracts.topology import system_topology
from shared.messaging.rabbitmq import RabbitMQBroker
from tests.e2e.flow import all_pages, ok
from tests.faults.cluster import asyncpg_dsn
from tests.faults.resilient import FlowResult

# Events that exactly one business fact emits: (service whose outbox holds them, routing key, fact).
ONE_EVENT_PER_FACT = (
    ("orders", "orders.purchase_order.issued", "po"),
    ("billing", "billing.supplier_invoice.matched", "supplier_invoice"),
    ("billing", "billing.invoice.issued", "invoice"),
)
# The contractor's receipt of a PO is announced once: by `transmitted` when the transmitter recorded
# the contractor's answer first, or only by `acknowledged` when the contractor's acknowledgement
# overtook that record (the PO then goes issued → acknowledged, see PurchaseOrder.acknowledge).
RECEIPT_EVENTS = ("orders.purchase_order.transmitted", "orders.purchase_order.acknowledged")


@dataclass
class Verdict:
    flows_started: int
    flows_completed: int
    counts: dict[str, int] = field(default_factory=dict)
    lost: list[str] = field(default_factory=list)
    doubled: list[str] = field(default_factory=list)
    other: list[str] = field(default_factory=list)
    parked: list[dict[str, Any]] = field(default_factory=list)

    @property
    def violations(self) -> list[str]:
        return [*self.lost, *self.doubled, *self.other]


async def list_parked(amqp_url: str) -> list[dict[str, Any]]:
    """Every parked message of every consumer queue, with its reason (`shared.messaging.parking`)."""
    broker = RabbitMQBroker(amqp_url, connection_name="ent-faults-parking")
    await broker.connect()
    try:
        found = []
        for queue in system_topology().queues:
            for message in await broker.list_parked(queue.name, limit=1000):
                found.append(
                    {
                        "queue": queue.name,
                        "message_id": message.message_id,
                        "routing_key": message.routing_key,
                        "attempts": message.attempts,
                        "reason": message.reason,
                    }
                )
        return found
    finally:
        await broker.close()


async def pending_outbox(database_urls: Mapping[str, str]) -> dict[str, int]:
    pending = {}
    for service, url in database_urls.items():
        conn = await asyncpg.connect(asyncpg_dsn(url))
        try:
            pending[service] = await conn.fetchval("SELECT count(*) FROM outbox WHERE sent_at IS NULL")
        finally:
            await conn.close()
    return pending


async def _fetch(url: str, query: str) -> list[asyncpg.Record]:
    conn = await asyncpg.connect(asyncpg_dsn(url))
    try:
        return await conn.fetch(query)
    finally:
        await conn.close()


async def check(
    *,
    results: Iterable[FlowResult],
    flows_started: int,
    orders: httpx.AsyncClient,
    billing: httpx.AsyncClient,
    contractor_url: str | None,
    database_urls: Mapping[str, str],
    amqp_url: str,
) -> Verdict:
    """Exact counts: every completed flow has one PO, one supplier invoice, one member invoice; nothing
    else exists; numbering gapless; rebilled == approved per PO; the contractor holds each PO once;
    each business fact was emitted once; no outbox row pending; parked messages listed."""
    done = list(results)
    verdict = Verdict(flows_started=flows_started, flows_completed=len(done))
    if len(done) != flows_started:
        verdict.lost.append(f"{flows_started - len(done)} flow(s) did not complete")

    purchase_orders = await all_pages(orders, "/v1/purchase-orders")
    invoices = await all_pages(billing, "/v1/invoices")
    numbering = ok(await billing.get("/v1/numbering/check"))
    verdict.counts |= {"purchase_orders": len(purchase_orders), "member_invoices": len(invoices)}

    # One accepted quote → exactly one PO.
    by_quote = Counter(po["quote_id"] for po in purchase_orders)
    expected_quotes = Counter(r.quote_id for r in done)
    if len(purchase_orders) != len(done):
        verdict.other.append(f"{len(purchase_orders)} POs for {len(done)} accepted quotes")
    verdict.doubled += [f"quote {q}: {n} POs" for q, n in by_quote.items() if n > 1]
    verdict.lost += [f"quote {q}: no PO" for q in expected_quotes.keys() - by_quote.keys()]
    if len({po["po_number"] for po in purchase_orders}) != len(purchase_orders):
        verdict.doubled.append("PO numbers repeat")

    # One approved supplier invoice → exactly one member invoice, on its PO.
    approved = await _fetch(
        database_urls["billing"],
        "SELECT id::text AS id, po_number, total_excl_tax FROM supplier_invoices "
        "WHERE status IN ('matched', 'approved')",
    )
    all_supplier = await _fetch(
        database_urls["billing"], "SELECT status, count(*) AS n FROM supplier_invoices GROUP BY status"
    )
    verdict.counts["supplier_invoices_by_status"] = {r["status"]: r["n"] for r in all_supplier}  # type: ignore[assignment]
    verdict.counts["supplier_invoices_approved"] = len(approved)
    if len(approved) != len(done):
        verdict.other.append(f"{len(approved)} approved supplier invoices for {len(done)} flows")
    by_supplier = Counter(i["supplier_invoice_id"] for i in invoices)
    verdict.doubled += [f"supplier invoice {s}: {n} member invoices" for s, n in by_supplier.items() if n > 1]
    verdict.lost += [
        f"supplier invoice {r['id']}: no member invoice" for r in approved if r["id"] not in by_supplier
    ]
    if len({i["number"] for i in invoices}) != len(invoices):
        verdict.doubled.append("member invoice numbers repeat")
    if sorted(i["po_number"] for i in invoices) != sorted(r.po_number for r in done):
        verdict.other.append("member invoices are not one per flow's PO")
    if numbering["ok"] is not True:
        verdict.other.append(f"numbering check failed: {numbering}")

    # Rebilled net total == approved supplier net total, per PO.
    approved_by_po: Counter[str] = Counter()
    for row in approved:
        approved_by_po[row["po_number"]] += Decimal(row["total_excl_tax"])  # type: ignore[assignment]
    rebilled_by_po: Counter[str] = Counter()
    for invoice in invoices:
        rebilled_by_po[invoice["po_number"]] += Decimal(invoice["total_excl_tax"])  # type: ignore[assignment]
    verdict.other += [
        f"PO {po}: rebilled {rebilled_by_po[po]} != approved {approved_by_po[po]}"
        for po in approved_by_po.keys() | rebilled_by_po.keys()
        if rebilled_by_po[po] != approved_by_po[po]
    ]

    # The contractor holds each PO exactly once, and each PO knows it was transmitted.
    if contractor_url is not None:
        async with httpx.AsyncClient(timeout=10) as client:
            held = ok(await client.get(f"{contractor_url}/admin/state"))["orders"]
        held_numbers = Counter(o["po_number"] for o in held)
        verdict.counts["contractor_orders"] = len(held)
        verdict.counts["contractor_submissions"] = sum(o["submissions"] for o in held)
        verdict.lost += [
            f"PO {po['po_number']}: never reached the contractor"
            for po in purchase_orders
            if po["po_number"] not in held_numbers
        ]
        verdict.other += [
            f"PO {po['po_number']}: {po['status']}, not transmitted: {po['transmission']}"
            for po in purchase_orders
            if po["transmission"]["transmitted_at"] is None
        ]
        if len(held) != len(purchase_orders):
            verdict.other.append(f"the contractor holds {len(held)} orders for {len(purchase_orders)} POs")

    # Each business fact was emitted exactly once (the outbox is the record of what was published).
    facts = {"po": len(purchase_orders), "supplier_invoice": len(approved), "invoice": len(invoices)}
    for service, routing_key, fact in ONE_EVENT_PER_FACT:
        rows = await _fetch(
            database_urls[service], f"SELECT count(*) AS n FROM outbox WHERE routing_key = '{routing_key}'"
        )
        emitted = rows[0]["n"]
        verdict.counts[f"events:{routing_key}"] = emitted
        if emitted > facts[fact]:
            verdict.doubled.append(f"{routing_key}: {emitted} events for {facts[fact]} facts")
        elif emitted < facts[fact]:
            verdict.lost.append(f"{routing_key}: {emitted} events for {facts[fact]} facts")

    if contractor_url is not None:
        rows = await _fetch(
            database_urls["orders"],
            "SELECT routing_key, body::json -> 'payload' ->> 'po_number' AS po FROM outbox "
            f"WHERE routing_key IN {RECEIPT_EVENTS!r}",
        )
        receipts: dict[str, Counter[str]] = {key: Counter() for key in RECEIPT_EVENTS}
        for row in rows:
            receipts[row["routing_key"]][row["po"]] += 1
        transmitted, acknowledged = (receipts[key] for key in RECEIPT_EVENTS)
        verdict.counts["events:orders.purchase_order.transmitted"] = sum(transmitted.values())
        verdict.counts["events:orders.purchase_order.acknowledged"] = sum(acknowledged.values())
        verdict.counts["pos_acknowledged_before_transmission_recorded"] = sum(
            1 for po in acknowledged if po not in transmitted
        )
        for key, counter in receipts.items():
            verdict.doubled += [f"PO {po}: {n} {key} events" for po, n in counter.items() if n > 1]
        verdict.lost += [
            f"PO {po['po_number']}: its receipt by the contractor was never announced"
            for po in purchase_orders
            if po["po_number"] not in transmitted and po["po_number"] not in acknowledged
        ]

    pending = await pending_outbox(database_urls)
    verdict.other += [f"{s}: {n} outbox rows never published" for s, n in pending.items() if n]
    verdict.parked = await list_parked(amqp_url)
    return verdict
