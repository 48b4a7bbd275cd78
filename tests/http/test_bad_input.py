"""Bad input anywhere on the HTTP side gets a 4xx problem+json naming what is wrong: never a 500,
never a stack trace. Runs against the three services composed as in the embedded mode (SQLite)."""

from __future__ import annotations

from pathlib import Path

import pytest

from services.billing.bootstrap import DEFINITION as BILLING
from services.billing.config import BillingSettings
from services.members.bootstrap import DEFINITION as MEMBERS
from services.members.config import MembersSettings
from services.orders.bootstrap import DEFINITION as ORDERS
from services.orders.config import OrdersSettings
from shared.settings import BrokerKind
from tests.apps import run_services
from tests.members.helpers import member_body


@pytest.fixture
async def client(tmp_path: Path):
    common = {"broker": BrokerKind.INPROCESS, "max_request_bytes": 64 * 1024}
    services = [
        (MEMBERS, MembersSettings(database_url=f"sqlite+aiosqlite:///{tmp_path}/m.db", **common)),
        (ORDERS, OrdersSettings(database_url=f"sqlite+aiosqlite:///{tmp_path}/o.db", **common)),
        (BILLING, BillingSettings(database_url=f"sqlite+aiosqlite:///{tmp_path}/b.db", **common)),
    ]
    async with run_services(services) as running:
        yield running.client


def assert_problem(response, status: int, field: str | None = None) -> dict:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body["status"] == status and body["type"].startswith("https://") and body["title"]
    assert "Traceback" not in response.text
    if field is not None:
        assert field in [e["field"] for e in body.get("errors", [])], body
    return body


@pytest.mark.parametrize(
    ("method", "path", "payload", "status", "field"),
    [
        ("post", "/v1/members", {**member_body(1), "siren": "12345678"}, 422, "siren"),
        ("post", "/v1/members", {**member_body(1), "surprise": True}, 422, "surprise"),
        ("post", "/v1/members", {**member_body(1), "kind": "kingdom"}, 422, "kind"),
        ("post", "/v1/members", {"name": "x"}, 422, "kind"),
        (
            "post",
            "/v1/members/not-a-member/adhesions",
            {"deliberation_number": "1", "deliberation_date": "2026-01-01", "effective_date": "2026-02-01"},
            404,
            None,
        ),
        ("post", "/v1/quotes", {"member_id": "x", "lines": [], "valid_until": "2026-12-31"}, 422, "lines"),
        (
            "post",
            "/v1/quotes",
            {"member_id": "x", "lines": [{"item_code": "A", "quantity": "-1"}], "valid_until": "2026-12-31"},
            422,
            "lines.0.quantity",
        ),
        ("post", "/v1/supplier-invoices", {"po_number": "BC-1"}, 422, "supplier_invoice_number"),
        ("get", "/v1/members/00000000-0000-0000-0000-000000000000", None, 404, None),
        ("get", "/v1/invoices/not-a-uuid", None, 404, None),
        ("get", "/v1/members?limit=100000", None, 422, "limit"),
        ("get", "/v1/no-such-route", None, 404, None),
        ("delete", "/v1/members", None, 405, None),
    ],
)
async def test_bad_requests_get_a_problem_naming_the_field(client, method, path, payload, status, field):
    response = await client.request(method, path, json=payload)
    assert_problem(response, status, field)


async def test_malformed_json_is_a_400_problem(client):
    response = await client.post(
        "/v1/members", content=b'{"kind": "epci",', headers={"content-type": "application/json"}
    )
    assert_problem(response, 400, "body")


async def test_an_oversized_body_is_refused_with_413_before_it_is_read(client):
    response = await client.post(
        "/v1/members", content=b"x" * (65 * 1024), headers={"content-type": "application/json"}
    )
    assert_problem(response, 413)


async def test_an_amount_given_as_a_float_literal_with_too_many_decimals_is_refused(client):
    response = await client.post(
        "/v1/catalogue/items",
        json={
            "code": "X1",
            "label": "x",
            "unit": "u",
            "unit_price": "1.123456789",
            "vat_category": "S",
            "vat_rate": "20.00",
            "source": "BPU",
            "contract_reference": "R",
            "valid_from": "2026-01-01",
        },
    )
    assert_problem(response, 422, "unit_price")


async def test_every_answer_carries_the_correlation_id_it_was_given(client):
    response = await client.get("/v1/members/nope", headers={"X-Correlation-ID": "flow-42"})
    assert response.headers["x-correlation-id"] == "flow-42"
    assert response.json()["correlation_id"] == "flow-42"
