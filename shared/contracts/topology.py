"""The system's queues: part of the integration contract, so every service can declare all of them.

Declaring the whole topology at every start means a service that publishes before its consumers first
started still has somewhere to route to; each service then consumes only its own queues. Every event a
service emits must be bound by at least one queue here, or the outbox keeps it as unroutable.
"""

from __future__ import annotations

from shared.messaging.topology import ConsumerQueue, Topology

ORDERS_FROM_MEMBERS = "orders.members"
ORDERS_FROM_BILLING = "orders.billing"
ORDERS_TRANSMISSION = "orders.transmission"
BILLING_FROM_MEMBERS = "billing.members"
BILLING_FROM_ORDERS = "billing.orders"
BILLING_REBILLING = "billing.rebilling"
BILLING_REBILLING_APPROVED = "billing.rebilling-approved"

_BINDINGS: dict[str, tuple[str, ...]] = {
    ORDERS_FROM_MEMBERS: ("members.#",),
    ORDERS_FROM_BILLING: ("billing.#",),
    ORDERS_TRANSMISSION: ("orders.purchase_order.issued",),
    BILLING_FROM_MEMBERS: ("members.#",),
    BILLING_FROM_ORDERS: ("orders.#",),
    BILLING_REBILLING: ("billing.supplier_invoice.matched",),
    BILLING_REBILLING_APPROVED: ("billing.supplier_invoice.approved",),
}


def system_topology(*, max_attempts: int = 5, retry_delay_ms: int = 2000) -> Topology:
    return Topology(
        queues=tuple(
            ConsumerQueue(name, keys, max_attempts=max_attempts, retry_delay_ms=retry_delay_ms)
            for name, keys in _BINDINGS.items()
        )
    )
