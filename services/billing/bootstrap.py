"""Wires the billing service: its tables, routes and message handlers."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

from services.billing.adapters.tables import messaging
from services.billing.domain.matching import MatchingPolicy
from services.billing.entrypoints import consumers
from services.billing.entrypoints.api import build_router
from shared.contracts.billing import SupplierInvoiceMatched
from shared.contracts.members import MemberRegistered, MemberUpdated
from shared.contracts.orders import PurchaseOrderIssued
from shared.contracts.topology import BILLING_FROM_MEMBERS, BILLING_FROM_ORDERS, BILLING_REBILLING
from shared.runtime import ServiceRuntime
from shared.service import HandlerTable, ServiceDefinition


def _routers(runtime: ServiceRuntime) -> list[Any]:
    # Zero tolerance (the strictest) when the runtime was built without billing's settings.
    tolerance = getattr(runtime.settings, "price_tolerance", Decimal(0))
    return [build_router(runtime, MatchingPolicy(price_tolerance=tolerance))]


def _handlers(runtime: ServiceRuntime) -> HandlerTable:
    return {
        BILLING_FROM_MEMBERS: {
            MemberRegistered.TYPE: consumers.on_member_changed,
            MemberUpdated.TYPE: consumers.on_member_changed,
        },
        # Other orders events (quotes, transmission...) arrive here too and are acknowledged unhandled.
        BILLING_FROM_ORDERS: {PurchaseOrderIssued.TYPE: consumers.on_purchase_order_issued},
        BILLING_REBILLING: {SupplierInvoiceMatched.TYPE: consumers.on_supplier_invoice_matched},
    }


DEFINITION = ServiceDefinition(
    name="billing",
    title="Billing service",
    description="Supplier invoices and their matching, rebilling to members, gapless invoice numbering.",
    tables=messaging,
    migrations=Path(__file__).parent / "migrations",
    routers=_routers,
    handlers=_handlers,
)
