"""The README's role table, checked cell by cell against the running services.

For every `/v1` route of each service and every role, a request carrying that role's token must be
refused with 403 when the table says no, and must get past authorisation (anything but 401/403)
when it says yes. Bodies are empty and ids made up: an allowed call ends in 404 or 422, never in a
change. Every route has a rule (a route without one is refused to everybody: this catches it), the
README shows the table the code enforces, and no route answers without a token.
"""

from __future__ import annotations

import re

import httpx
import pytest

from launcher import role_table
from services.billing.bootstrap import DEFINITION as BILLING
from services.billing.config import BillingSettings
from services.members.bootstrap import DEFINITION as MEMBERS
from services.members.config import MembersSettings
from services.orders.bootstrap import DEFINITION as ORDERS
from services.orders.config import OrdersSettings
from shared.security.policy import ALL_ROLES, RoutePolicy
from shared.security.principal import Role
from shared.service import ServiceDefinition
from shared.settings import ServiceSettings
from tests.apps import bearer, run_services

pytestmark = pytest.mark.postgres

SERVICES: dict[str, tuple[ServiceDefinition, type[ServiceSettings]]] = {
    "members": (MEMBERS, MembersSettings),
    "orders": (ORDERS, OrdersSettings),
    "billing": (BILLING, BillingSettings),
}
# A made-up id for every path parameter: well-formed enough to reach the route, owned by nobody.
MADE_UP = {"year": "2031", "uai": "0599999W"}
UNKNOWN_ID = "00000000-0000-4000-8000-000000000000"


def concrete(path: str) -> str:
    return re.sub(r"\{(\w+)\}", lambda m: MADE_UP.get(m.group(1), UNKNOWN_ID), path)


def headers_for(role: Role) -> dict[str, str]:
    if role is Role.MEMBER:
        return bearer(role, member_id=UNKNOWN_ID)
    return bearer(role)


def v1_routes(openapi: dict) -> set[tuple[str, str]]:
    """Every (method, path template) under /v1, as the app publishes them."""
    return {
        (method.upper(), path)
        for path, operations in openapi["paths"].items()
        if path.startswith("/v1/")
        for method in operations
    }


async def call(client: httpx.AsyncClient, method: str, path: str, headers: dict[str, str]) -> httpx.Response:
    body = None if method in ("GET", "DELETE") else {}
    # Replace the client's default admin token with the role's (or with none).
    return await client.request(method, concrete(path), json=body, headers=headers)


@pytest.fixture(params=sorted(SERVICES))
async def service(request: pytest.FixtureRequest, pg_url: str):
    definition, settings_type = SERVICES[request.param]
    async with run_services([(definition, settings_type(database_url=pg_url))]) as running:
        yield definition.access_policy(), running


async def test_every_cell_of_the_role_table_holds(service: tuple[RoutePolicy, object]) -> None:
    policy, running = service
    client: httpx.AsyncClient = running.client  # type: ignore[attr-defined]
    wrong: list[str] = []
    for rule in policy.rules.values():
        for role in ALL_ROLES:
            response = await call(client, rule.method, rule.path, headers_for(role))
            allowed = role in rule.roles
            if allowed and response.status_code in (401, 403):
                wrong.append(f"{rule.method} {rule.path} as {role}: {response.status_code}, table says yes")
            if not allowed and response.status_code != 403:
                wrong.append(f"{rule.method} {rule.path} as {role}: {response.status_code}, table says no")
    assert not wrong, "\n".join(wrong)
    assert len(policy.rules) >= 10  # the table is not empty by accident


async def test_every_route_has_a_rule_and_every_rule_a_route(service: tuple[RoutePolicy, object]) -> None:
    policy, running = service
    client: httpx.AsyncClient = running.client  # type: ignore[attr-defined]
    routes = v1_routes((await client.get("/openapi.json")).json())
    assert routes == set(policy.rules), (
        f"routes without a rule: {sorted(routes - set(policy.rules))}; "
        f"rules without a route: {sorted(set(policy.rules) - routes)}"
    )


async def test_no_route_answers_without_a_valid_token(service: tuple[RoutePolicy, object]) -> None:
    policy, running = service
    client: httpx.AsyncClient = running.client  # type: ignore[attr-defined]
    for rule in policy.rules.values():
        for headers in ({"Authorization": ""}, {"Authorization": "Bearer not-a-jwt"}):
            response = await call(client, rule.method, rule.path, headers)
            assert response.status_code == 401, (rule.method, rule.path, headers, response.text)
            assert response.headers["www-authenticate"].startswith("Bearer")
            assert response.headers["content-type"].startswith("application/problem+json")


def test_the_readme_shows_the_table_the_code_enforces() -> None:
    assert role_table.main(["--check"]) == 0, "run: python -m launcher.role_table --write"
