"""The members and orders services side by side on real PostgreSQL, sharing the in-process broker."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from services.members.bootstrap import DEFINITION as MEMBERS
from services.members.config import MembersSettings
from services.orders.bootstrap import DEFINITION as ORDERS
from services.orders.config import OrdersSettings
from tests.apps import RunningServices, run_services


@pytest.fixture
async def services(pg_url_factory) -> AsyncIterator[RunningServices]:
    members_url = await pg_url_factory("ent_test_members")
    orders_url = await pg_url_factory("ent_test_orders")
    async with run_services(
        [
            (MEMBERS, MembersSettings(database_url=members_url, retry_delay_ms=100)),
            (ORDERS, OrdersSettings(database_url=orders_url, retry_delay_ms=100)),
        ]
    ) as running:
        yield running


@pytest.fixture
def client(services: RunningServices):
    return services.client
