"""The billing service alone, on a fresh PostgreSQL database and the in-process broker."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from services.billing.bootstrap import DEFINITION
from services.billing.config import BillingSettings
from tests.apps import RunningServices, run_services


@pytest.fixture
async def billing(pg_url: str) -> AsyncIterator[RunningServices]:
    settings = BillingSettings(database_url=pg_url, retry_delay_ms=100, relay_poll_interval_s=0.05)
    async with run_services([(DEFINITION, settings)]) as running:
        yield running
