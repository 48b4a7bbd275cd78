"""The billing service's background jobs: the built-in PISTE adapter (deposit what waits, follow the
statuses), and the daily job (overdue invoices, reminders, the syndicate's own deadlines). Both are
safe in several processes at once (claims and unique rows), so they run wherever the billing API runs
and start and stop with it. Staff can run the daily job on demand (`POST /v1/dunning/run`).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import APIRouter

from services.billing.domain.chorus_gateway import ChorusGateway
from services.billing.domain.documents import Seller
from services.billing.use_cases import dunning
from services.billing.use_cases.chorus_polling import PistePolicy, poll_deposited, transmit_waiting
from shared.clock import paris_today
from shared.context import service_var
from shared.runtime import ServiceRuntime

log = logging.getLogger(__name__)


class BillingJobs:
    def __init__(
        self,
        runtime: ServiceRuntime,
        *,
        gateway: ChorusGateway | None,
        seller: Seller,
        policy: PistePolicy,
        interval_s: float,
        daily_interval_s: float,
    ) -> None:
        self.runtime = runtime
        self.gateway = gateway
        self.seller = seller
        self.policy = policy
        self.interval_s = interval_s
        self.daily_interval_s = daily_interval_s

    async def chorus_once(self) -> int:
        """One pass of the PISTE adapter; how much it did."""
        if self.gateway is None:
            return 0
        sent = await transmit_waiting(self.runtime.unit_of_work, self.gateway, self.seller, self.policy)
        polled = await poll_deposited(self.runtime.unit_of_work, self.gateway, self.policy)
        return sent + polled

    async def _chorus(self) -> None:
        while True:
            try:
                await self.chorus_once()
            except Exception:
                log.exception("Chorus Pro pass failed")
            await asyncio.sleep(self.interval_s)

    async def _daily(self) -> None:
        while True:
            # A day first: a process (re)starting must not send reminders twice as fast.
            await asyncio.sleep(self.daily_interval_s)
            try:
                async with self.runtime.unit_of_work() as uow:
                    await dunning.run_daily(paris_today(), uow)
            except Exception:
                log.exception("daily dunning run failed")

    @asynccontextmanager
    async def running(self, _app: Any) -> AsyncIterator[None]:
        token = service_var.set(self.runtime.name)
        tasks = []
        if self.daily_interval_s > 0:
            tasks.append(asyncio.create_task(self._daily(), name="billing-daily"))
        if self.gateway is not None:
            tasks.append(asyncio.create_task(self._chorus(), name="billing-chorus-piste"))
        else:
            log.info("no Chorus Pro API configured: invoices wait for the external connector")
        service_var.reset(token)
        try:
            yield
        finally:
            for task in tasks:
                task.cancel()
            with contextlib.suppress(Exception):
                await asyncio.gather(*tasks, return_exceptions=True)

    def router(self) -> APIRouter:
        """No routes: its lifespan runs the jobs inside the app's (after the runtime started)."""
        return APIRouter(lifespan=self.running)
