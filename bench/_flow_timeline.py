"""Where the time of a flow's asynchronous legs goes, from the rows the services wrote (one machine,
one clock): the outbox row's creation and publication, the consumer's inbox claim, the effect.

acceptance → PO transmitted:   accepted (quote row) → `orders.purchase_order.issued` written to the
    outbox (`emitted`) → marked sent by the relay once the broker confirmed (`marked_sent`) → claimed by
    the `orders.transmission` consumer (`consumed`) → transmitted (contractor answered, recorded).
supplier invoice → member invoice:  received (row) → `billing.supplier_invoice.matched` emitted →
    marked sent → claimed by `billing.rebilling` → member invoice issued (same transaction as the claim).

`marked_sent` is written after the confirm, so the consumer's claim can come before it: the
`marked_sent→consumed` leg may be negative; `emitted→consumed` is the sum of the two legs.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Iterable
from typing import Any

import asyncpg

from bench.backbone import latency_summary

TRANSMISSION = """
SELECT p.po_number, q.accepted_at, o.created_at AS emitted, o.sent_at AS marked_sent,
       i.processed_at AS consumed, p.transmitted_at
FROM purchase_orders p
JOIN quotes q ON q.id = p.quote_id
JOIN outbox o ON o.routing_key = 'orders.purchase_order.issued'
             AND (o.body::json -> 'payload' ->> 'po_number') = p.po_number
LEFT JOIN inbox i ON i.consumer = 'orders.transmission' AND i.message_id = o.message_id
"""

REBILLING = """
SELECT m.po_number, s.created_at AS received, o.created_at AS emitted, o.sent_at AS marked_sent,
       i.processed_at AS consumed, m.issued_at
FROM member_invoices m
JOIN supplier_invoices s ON s.id = m.supplier_invoice_id
JOIN outbox o ON o.routing_key = 'billing.supplier_invoice.matched'
             AND (o.body::json -> 'payload' ->> 'po_number') = m.po_number
LEFT JOIN inbox i ON i.consumer = 'billing.rebilling' AND i.message_id = o.message_id
"""


def _legs(rows: Iterable[Any], stages: list[str], keep: set[str]) -> dict[str, dict[str, float]]:
    spans: dict[str, list[float]] = {f"{a}→{b}": [] for a, b in itertools.pairwise(stages)}
    for row in rows:
        if row["po_number"] not in keep:
            continue
        times: list[dt.datetime | None] = [row[s] for s in stages]
        for (a, b), (ta, tb) in zip(itertools.pairwise(stages), itertools.pairwise(times), strict=True):
            if ta is not None and tb is not None:
                spans[f"{a}→{b}"].append((tb - ta).total_seconds())
    return {name: latency_summary(values) for name, values in spans.items()}


async def breakdown(orders_dsn: str, billing_dsn: str, po_numbers: set[str]) -> dict[str, Any]:
    """Latency of each leg (p50/p95/p99), for the POs of the measured flows."""
    orders = await asyncpg.connect(orders_dsn)
    try:
        transmission = await orders.fetch(TRANSMISSION)
    finally:
        await orders.close()
    billing = await asyncpg.connect(billing_dsn)
    try:
        rebilling = await billing.fetch(REBILLING)
    finally:
        await billing.close()
    return {
        "acceptance_to_po_transmitted": _legs(
            transmission, ["accepted_at", "emitted", "marked_sent", "consumed", "transmitted_at"], po_numbers
        ),
        "supplier_invoice_to_member_invoice": _legs(
            rebilling, ["received", "emitted", "marked_sent", "consumed", "issued_at"], po_numbers
        ),
    }
