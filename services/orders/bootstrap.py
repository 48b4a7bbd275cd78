"""Wires the orders service: its tables, routes and message handlers."""

from __future__ import annotations

from pathlib import Path

from services.orders.adapters.tables import messaging
from services.orders.entrypoints import consumers
from services.orders.entrypoints.api import build_router
from shared.contracts.billing import InvoiceIssued
from shared.contracts.members import (
    AdhesionApproved,
    AdhesionRejected,
    AdhesionWithdrawn,
    MemberRegistered,
    MemberUpdated,
)
from shared.contracts.topology import ORDERS_FROM_BILLING, ORDERS_FROM_MEMBERS
from shared.runtime import ServiceRuntime
from shared.service import HandlerTable, ServiceDefinition


def handlers(_runtime: ServiceRuntime) -> HandlerTable:
    """Queue → event type → handler. Events of a queue without a handler are acknowledged and ignored."""
    return {
        ORDERS_FROM_MEMBERS: {
            MemberRegistered.TYPE: consumers.on_member_registered,
            MemberUpdated.TYPE: consumers.on_member_registered,
            AdhesionApproved.TYPE: consumers.on_adhesion_approved,
            AdhesionRejected.TYPE: consumers.on_adhesion_rejected,
            AdhesionWithdrawn.TYPE: consumers.on_adhesion_withdrawn,
        },
        ORDERS_FROM_BILLING: {
            InvoiceIssued.TYPE: consumers.on_invoice_issued,
        },
    }


DEFINITION = ServiceDefinition(
    name="orders",
    title="Orders service",
    description="Catalogue (BPU), quotes (devis) and purchase orders (bons de commande) to the contractor.",
    tables=messaging,
    migrations=Path(__file__).parent / "migrations",
    routers=lambda runtime: [build_router(runtime)],
    handlers=handlers,
)
