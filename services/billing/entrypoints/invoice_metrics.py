"""The `billing_invoices{kind, status}` gauge, refreshed by a background job wherever the billing API
runs (the way `chorus_jobs` runs): every `ENT_METRICS_REFRESH_INTERVAL_S`, one short read transaction.
Several replicas report the same counts; the dashboard takes their `max`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import APIRouter
from prometheus_client import Gauge

from services.billing.adapters.invoice_counts import ISSUED, invoices_by_status
from services.billing.domain.chorus_status import Stage
from services.billing.domain.supplier_invoice import SupplierInvoiceStatus
from shared.context import service_var
from shared.runtime import ServiceRuntime

log = logging.getLogger(__name__)

INVOICES = Gauge(
    "billing_invoices",
    "Billing's invoices by kind (supplier, member) and status (member: Chorus Pro stage, or issued)",
    ["kind", "status"],
)
KNOWN_STATUSES = [("supplier", status.value) for status in SupplierInvoiceStatus] + [
    ("member", stage) for stage in (ISSUED, *(stage.value for stage in Stage))
]


class InvoiceMetrics:
    def __init__(self, runtime: ServiceRuntime, interval_s: float) -> None:
        self.runtime = runtime
        self.interval_s = interval_s

    async def refresh(self) -> dict[tuple[str, str], int]:
        """Count and set the gauge; every known status is reported, at 0 when no invoice has it."""
        counts = dict.fromkeys(KNOWN_STATUSES, 0)
        async with self.runtime.db.sessionmaker() as session:
            counts.update(await invoices_by_status(session))
        for labels, count in counts.items():
            INVOICES.labels(*labels).set(count)
        return counts

    async def _run(self) -> None:
        while True:
            try:
                await self.refresh()
            except Exception as exc:  # the database away for a while: the gauge keeps its last values
                log.warning("could not count invoices by status: %r", exc)
            await asyncio.sleep(self.interval_s)

    @asynccontextmanager
    async def running(self, _app: Any) -> AsyncIterator[None]:
        token = service_var.set(self.runtime.name)
        task = asyncio.create_task(self._run(), name="billing-invoice-metrics")
        service_var.reset(token)
        try:
            yield
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    def router(self) -> APIRouter:
        """No routes: its lifespan runs the job inside the app's (after the runtime started)."""
        return APIRouter(lifespan=self.running)


def invoice_metrics_router(runtime: ServiceRuntime, interval_s: float) -> APIRouter:
    return InvoiceMetrics(runtime, interval_s).router()
