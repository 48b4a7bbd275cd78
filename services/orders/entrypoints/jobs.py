"""The orders service's background jobs: the transmitter (purchase orders to the contractor) and the
quote expiry. Both are idempotent and safe to run in several processes at once (locked rows are
skipped), so they run wherever the orders API runs; they start and stop with it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import APIRouter

from services.orders.domain.contractor import ContractorGateway
from services.orders.use_cases import quotes
from services.orders.use_cases.transmission import TransmissionPolicy, transmit_due
from shared.clock import paris_date
from shared.context import service_var
from shared.db import utcnow
from shared.runtime import ServiceRuntime

log = logging.getLogger(__name__)


class OrdersJobs:
    def __init__(
        self,
        runtime: ServiceRuntime,
        *,
        gateway: ContractorGateway | None,
        policy: TransmissionPolicy,
        poll_s: float,
        expiry_interval_s: float,
    ) -> None:
        self.runtime = runtime
        self.gateway = gateway
        self.policy = policy
        self.poll_s = poll_s
        self.expiry_interval_s = expiry_interval_s
        self._wake = asyncio.Event()

    def wake_transmitter(self) -> None:
        """Called by the consumer before its transaction commits: look again shortly after."""
        with contextlib.suppress(RuntimeError):
            asyncio.get_running_loop().call_later(0.05, self._wake.set)

    async def transmit_once(self) -> int:
        if self.gateway is None:
            return 0
        return await transmit_due(self.runtime.unit_of_work, self.gateway, self.policy)

    async def expire_once(self) -> int:
        async with self.runtime.unit_of_work() as uow:
            return await quotes.expire_quotes(paris_date(utcnow()), uow)

    async def _transmitter(self) -> None:
        while True:
            try:
                busy = await self.transmit_once()
            except Exception:
                log.exception("transmitter run failed")
                busy = 0
            if busy:
                continue
            self._wake.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self.poll_s)

    async def _expiry(self) -> None:
        while True:
            try:
                while await self.expire_once():
                    pass
            except Exception:
                log.exception("quote expiry run failed")
            await asyncio.sleep(self.expiry_interval_s)

    @asynccontextmanager
    async def running(self, _app: Any) -> AsyncIterator[None]:
        token = service_var.set(self.runtime.name)
        tasks = [asyncio.create_task(self._expiry(), name="orders-quote-expiry")]
        if self.gateway is not None:
            tasks.append(asyncio.create_task(self._transmitter(), name="orders-transmitter"))
        else:
            log.info("no contractor URL configured: purchase orders wait in the transmission queue")
        service_var.reset(token)
        try:
            yield
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            close = getattr(self.gateway, "aclose", None)
            if close is not None:
                await close()

    def router(self) -> APIRouter:
        """No routes: its lifespan runs the jobs inside the app's (after the runtime started)."""
        return APIRouter(lifespan=self.running)
