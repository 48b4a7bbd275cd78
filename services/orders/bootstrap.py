"""Wires the orders service: its tables, routes, message handlers, contractor gateway and jobs."""

from __future__ import annotations

import weakref
from pathlib import Path

from fastapi import APIRouter

from services.orders.adapters.contractor_http import HttpContractorGateway
from services.orders.adapters.tables import messaging
from services.orders.config import OrdersSettings
from services.orders.entrypoints import access, consumers
from services.orders.entrypoints.api import build_router
from services.orders.entrypoints.jobs import OrdersJobs
from services.orders.use_cases.transmission import TransmissionPolicy
from shared.contracts.billing import InvoiceIssued
from shared.contracts.envelope import Envelope
from shared.contracts.members import (
    AdhesionApproved,
    AdhesionRejected,
    AdhesionWithdrawn,
    MemberRegistered,
    MemberUpdated,
)
from shared.contracts.orders import PurchaseOrderIssued
from shared.contracts.topology import ORDERS_FROM_BILLING, ORDERS_FROM_MEMBERS, ORDERS_TRANSMISSION
from shared.runtime import ServiceRuntime
from shared.service import HandlerTable, ServiceDefinition
from shared.uow import UnitOfWork

# One set of jobs (and one gateway) per runtime: the handler table and the routers both need them.
_JOBS: dict[int, OrdersJobs] = {}


def settings_of(runtime: ServiceRuntime) -> OrdersSettings:
    settings = runtime.settings
    return settings if isinstance(settings, OrdersSettings) else OrdersSettings()


def jobs_of(runtime: ServiceRuntime) -> OrdersJobs:
    key = id(runtime)
    if key not in _JOBS:
        settings = settings_of(runtime)
        gateway = (
            HttpContractorGateway(
                settings.contractor_url,
                timeout_s=settings.contractor_timeout_s,
                attempts=settings.contractor_http_attempts,
                callback_url=settings.contractor_callback_url,
            )
            if settings.contractor_url
            else None
        )
        _JOBS[key] = OrdersJobs(
            runtime,
            gateway=gateway,
            policy=TransmissionPolicy(
                retry_base_s=settings.transmission_retry_base_s,
                retry_max_s=settings.transmission_retry_max_s,
                lease_s=max(
                    60.0, 3 * settings.contractor_http_attempts * (settings.contractor_timeout_s + 2)
                ),
            ),
            poll_s=settings.transmission_poll_s,
            expiry_interval_s=settings.quote_expiry_interval_s,
        )
        weakref.finalize(runtime, _JOBS.pop, key, None)
    return _JOBS[key]


def handlers(runtime: ServiceRuntime) -> HandlerTable:
    """Queue → event type → handler. Events of a queue without a handler are acknowledged and ignored."""
    jobs = jobs_of(runtime)

    async def on_purchase_order_issued(
        event: PurchaseOrderIssued, envelope: Envelope, uow: UnitOfWork
    ) -> None:
        await consumers.on_purchase_order_issued(event, envelope, uow)
        jobs.wake_transmitter()

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
        ORDERS_TRANSMISSION: {
            PurchaseOrderIssued.TYPE: on_purchase_order_issued,
        },
    }


def routers(runtime: ServiceRuntime) -> list[APIRouter]:
    jobs = jobs_of(runtime)
    return [build_router(runtime, settings_of(runtime), jobs), jobs.router()]


DEFINITION = ServiceDefinition(
    name="orders",
    title="Orders service",
    description="Catalogue (BPU), quotes (devis) and purchase orders (bons de commande) to the contractor.",
    tables=messaging,
    migrations=Path(__file__).parent / "migrations",
    routers=routers,
    handlers=handlers,
    policy=access.policy,
)
