"""Schemathesis against each service's own OpenAPI, bounded in time: generated valid and invalid
requests (as an admin, who may call every route) never get a server error, and every answer matches
the schema the service publishes. A failure prints the request that broke it."""

from __future__ import annotations

import asyncio

import pytest

from services.billing.bootstrap import DEFINITION as BILLING
from services.billing.config import BillingSettings
from services.members.bootstrap import DEFINITION as MEMBERS
from services.members.config import MembersSettings
from services.orders.bootstrap import DEFINITION as ORDERS
from services.orders.config import OrdersSettings
from shared.db import Database
from shared.migrations import upgrade
from shared.security.principal import Role
from shared.service import ServiceDefinition, service_app
from shared.settings import BrokerKind, ServiceSettings
from tests.apps import authenticator_for_tests, token
from tests.security.schemathesis_harness import fuzz_app

pytestmark = [pytest.mark.postgres, pytest.mark.slow]

SERVICES: dict[str, tuple[ServiceDefinition, type[ServiceSettings]]] = {
    "members": (MEMBERS, MembersSettings),
    "orders": (ORDERS, OrdersSettings),
    "billing": (BILLING, BillingSettings),
}
TIME_BUDGET_S = 75  # per service: enough for a few examples of every operation in both modes


async def _migrate(definition: ServiceDefinition, url: str) -> None:
    database = Database(url)
    try:
        await upgrade(definition.migrations, database.engine)
    finally:
        await database.dispose()


@pytest.mark.parametrize("name", sorted(SERVICES))
def test_no_generated_request_gets_a_server_error_or_an_answer_off_its_schema(name: str, pg_url: str) -> None:
    definition, settings_type = SERVICES[name]
    asyncio.run(_migrate(definition, pg_url))
    settings = settings_type(database_url=pg_url, broker=BrokerKind.INPROCESS)
    app = service_app(definition, settings, authenticator=authenticator_for_tests())
    report = fuzz_app(app, token=token(Role.ADMIN), max_examples=6, time_budget_s=TIME_BUDGET_S)
    assert report.ok, report.describe()
    assert report.operations >= 10 and report.requests >= report.operations
