"""Wires the billing service: its tables, routes and message handlers."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from services.billing.adapters.tables import messaging
from services.billing.config import BillingSettings
from services.billing.domain.matching import MatchingPolicy
from services.billing.entrypoints import access, consumers, contribution_consumers
from services.billing.entrypoints.api import build_router
from services.billing.entrypoints.campaign_routes import build_campaign_router
from services.billing.entrypoints.chorus_wiring import chorus_routers
from services.billing.entrypoints.document_routes import build_document_router
from services.billing.entrypoints.invoice_metrics import invoice_metrics_router
from services.billing.entrypoints.seller import seller_from_settings
from services.billing.entrypoints.supplier_routes import build_supplier_router
from shared.contracts.billing import SupplierInvoiceApproved, SupplierInvoiceMatched
from shared.contracts.members import MemberRegistered, MemberUpdated
from shared.contracts.orders import PurchaseOrderIssued, ServiceAttested
from shared.contracts.topology import (
    BILLING_FROM_MEMBERS,
    BILLING_FROM_ORDERS,
    BILLING_REBILLING,
    BILLING_REBILLING_APPROVED,
)
from shared.runtime import ServiceRuntime
from shared.service import HandlerTable, ServiceDefinition


def _routers(runtime: ServiceRuntime) -> list[Any]:
    # Billing's defaults (zero tolerance, the strictest) when the runtime was built without its settings.
    settings = runtime.settings if isinstance(runtime.settings, BillingSettings) else BillingSettings()
    policy = MatchingPolicy(price_tolerance=settings.price_tolerance)
    return [
        build_router(runtime, policy),
        build_supplier_router(runtime, policy, max_bytes=settings.upload_max_bytes),
        build_document_router(runtime, seller_from_settings(settings)),
        *chorus_routers(runtime, settings),  # Chorus Pro, payments, dunning, and their jobs
        build_campaign_router(runtime),
        invoice_metrics_router(runtime, settings.metrics_refresh_interval_s),  # billing_invoices gauge
    ]


def _handlers(runtime: ServiceRuntime) -> HandlerTable:
    return {
        BILLING_FROM_MEMBERS: {
            MemberRegistered.TYPE: consumers.on_member_changed,
            MemberUpdated.TYPE: consumers.on_member_changed,
            **contribution_consumers.HANDLERS,  # adhesions, schools, counts, tariffs, subsidies, support
        },
        # Other orders events (quotes, transmission...) arrive here too and are acknowledged unhandled.
        BILLING_FROM_ORDERS: {
            PurchaseOrderIssued.TYPE: consumers.on_purchase_order_issued,
            ServiceAttested.TYPE: consumers.on_service_attested,
        },
        BILLING_REBILLING: {SupplierInvoiceMatched.TYPE: consumers.on_supplier_invoice_matched},
        BILLING_REBILLING_APPROVED: {SupplierInvoiceApproved.TYPE: consumers.on_supplier_invoice_approved},
    }


DEFINITION = ServiceDefinition(
    name="billing",
    title="Billing service",
    description=(
        "Supplier invoices (JSON or the contractor's Factur-X/CII/UBL file) matched against POs and "
        "service-done attestations, rebilling to members, gapless numbering, credit notes, EN 16931 "
        "Factur-X/CII/UBL documents, member statements."
    ),
    tables=messaging,
    migrations=Path(__file__).parent / "migrations",
    routers=_routers,
    handlers=_handlers,
    policy=access.policy,
)
