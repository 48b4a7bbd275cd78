"""The audit trail and the idempotency keys of the real services, on PostgreSQL and on SQLite (the
embedded mode): a marketplace flow leaves an attributable, chained history of every state change,
readable by staff; a tampered entry is caught; a retried acceptance with its key replays the first
answer and orders nothing twice."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest
import sqlalchemy
from sqlalchemy import text

from services.billing.bootstrap import DEFINITION as BILLING
from services.billing.config import BillingSettings
from services.members.bootstrap import DEFINITION as MEMBERS
from services.members.config import MembersSettings
from services.orders.bootstrap import DEFINITION as ORDERS
from services.orders.config import OrdersSettings
from shared.clock import paris_today
from shared.security.principal import Role
from tests.apps import RunningServices, bearer, run_services
from tests.e2e.flow import CATALOGUE_ITEM, Endpoints, ok, run_flow
from tests.members.helpers import adhere, new_member


@pytest.fixture(params=["postgresql", "sqlite"])
async def system(request: pytest.FixtureRequest, tmp_path, pg_url_factory) -> AsyncIterator[RunningServices]:
    async def url(name: str) -> str:
        if request.param == "sqlite":
            return f"sqlite+aiosqlite:///{tmp_path / name}.db"
        return str(await pg_url_factory(f"ent_audit_{name}"))

    services = [
        (MEMBERS, MembersSettings(database_url=await url("members"), retry_delay_ms=100)),
        (ORDERS, OrdersSettings(database_url=await url("orders"), retry_delay_ms=100)),
        (BILLING, BillingSettings(database_url=await url("billing"), retry_delay_ms=100)),
    ]
    async with run_services(services) as running:
        yield running


def actions(history: dict[str, Any]) -> list[tuple[str, str, str]]:
    return [(e["action"], e["actor_role"], e["actor_subject"]) for e in history["entries"]]


async def test_every_change_of_a_flow_is_in_the_audit_trail_with_who_and_before_after(
    system: RunningServices,
) -> None:
    client = system.client
    ok(await client.post("/v1/catalogue/items", json=CATALOGUE_ITEM), 201)
    flow = await run_flow(Endpoints(client, client, client, as_role=bearer), 77, paris_today())

    member = ok(await client.get(f"/v1/members-audit/member/{flow['member_id']}"))
    assert [a for a, _, _ in actions(member)] == ["members.member.registered"]
    assert member["entries"][0]["actor_role"] == "admin" and member["entries"][0]["state_before"] is None

    quote = ok(await client.get(f"/v1/orders-audit/quote/{flow['quote_id']}"))
    assert [a[:2] for a in actions(quote)] == [
        ("orders.quote.created", "admin"),
        ("orders.quote.sent", "admin"),
        ("orders.quote.accepted", "member"),  # the member's own token accepted it
    ]
    accepted = quote["entries"][-1]
    assert accepted["actor_subject"] == f"dev:member:{flow['member_id']}"
    # before = the state the previous entry left; after = what this change made of it
    assert accepted["state_before"] == quote["entries"][-2]["state_after"]
    assert accepted["state_before"]["sent_on"] and accepted["state_after"]["accepted_by"] == "DGS 77"
    assert (
        quote["entries"][0]["state_before"] is None
        and quote["entries"][0]["state_after"]["status"] == "draft"
    )

    po = ok(await client.get(f"/v1/orders-audit/purchase_order/{flow['po_number']}"))
    assert [a for a, _, _ in actions(po)][:2] == ["orders.purchase_order.issued", "orders.service.attested"]
    # A change made by a consumer is the system's, with the flow's correlation id.
    invoice = ok(await client.get(f"/v1/billing-audit/invoice/{flow['invoice_id']}"))
    assert actions(invoice) == [("billing.invoice.issued", "system", "system:billing")]
    assert invoice["entries"][0]["correlation_id"]

    for service in ("members", "orders", "billing"):
        report = ok(await client.get(f"/v1/{service}-audit/verify"))
        assert report["ok"] is True and report["problems"] == [], report
    viewer = await client.get(f"/v1/orders-audit/quote/{flow['quote_id']}", headers=bearer(Role.VIEWER))
    assert viewer.status_code == 200
    as_member = bearer(Role.MEMBER, member_id=flow["member_id"])
    assert (
        await client.get(f"/v1/orders-audit/quote/{flow['quote_id']}", headers=as_member)
    ).status_code == 403


async def test_an_edited_or_deleted_entry_is_refused_and_a_forced_edit_is_caught(
    system: RunningServices,
) -> None:
    client = system.client
    member_id = await new_member(client, 31)
    await adhere(client, member_id)
    orders_db = system.runtimes["members"].db
    for statement in ("UPDATE audit_log SET actor_subject = 'someone else'", "DELETE FROM audit_log"):
        with pytest.raises(sqlalchemy.exc.DBAPIError, match="append-only"):
            async with orders_db.engine.begin() as conn:
                await conn.execute(text(statement))

    # Someone with the power to drop the guard rewrites history: the chain shows it.
    async with orders_db.engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            await conn.execute(text("ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only"))
        else:
            await conn.execute(text("DROP TRIGGER audit_log_no_update"))  # SQLite cannot disable one
        await conn.execute(text("UPDATE audit_log SET actor_subject = 'someone else' WHERE id = 1"))
    report = ok(await client.get("/v1/members-audit/verify"))
    assert report["ok"] is False and "entry 1: altered" in report["problems"][0]


async def test_a_retried_acceptance_replays_its_answer_and_orders_once(system: RunningServices) -> None:
    client = system.client
    ok(await client.post("/v1/catalogue/items", json=CATALOGUE_ITEM), 201)
    member_id = await new_member(client, 32)
    await adhere(client, member_id)

    async def eligible() -> bool:
        found = await client.get(f"/v1/quote-eligibility/{member_id}")
        return found.status_code == 200 and found.json()["active"]

    from tests.e2e.flow import until

    await until(eligible)
    quote = ok(
        await client.post(
            "/v1/quotes",
            json={
                "member_id": member_id,
                "valid_until": paris_today().replace(year=paris_today().year + 1).isoformat(),
                "lines": [{"item_code": CATALOGUE_ITEM["code"], "quantity": "1"}],
            },
        ),
        201,
    )
    ok(await client.post(f"/v1/quotes/{quote['id']}/send"))
    key = {"Idempotency-Key": str(uuid.uuid4()), **bearer(Role.MEMBER, member_id=member_id)}
    body = {"accepted_by": "Maire"}
    first = await client.post(f"/v1/quotes/{quote['id']}/accept", json=body, headers=key)
    again = await client.post(f"/v1/quotes/{quote['id']}/accept", json=body, headers=key)
    assert first.status_code == again.status_code == 200, first.text
    assert again.headers["idempotent-replayed"] == "true" and again.content == first.content
    other = await client.post(
        f"/v1/quotes/{quote['id']}/accept", json={"accepted_by": "Adjoint"}, headers=key
    )
    assert other.status_code == 422 and other.json()["type"].endswith("idempotency-key-reused")
    # Without the key, a second acceptance is a business refusal, not a second order.
    plain = await client.post(
        f"/v1/quotes/{quote['id']}/accept", json=body, headers=key | {"Idempotency-Key": "k2"}
    )
    assert plain.status_code in (409, 422)
    orders = ok(await client.get("/v1/purchase-orders", params={"member_id": member_id}))
    assert len(orders["items"]) == 1
    # A refused request releases its key: corrected and retried with the same key, it goes through.
    bad_key = {"Idempotency-Key": str(uuid.uuid4())}
    refused = await client.post(
        "/v1/catalogue/items", json={**CATALOGUE_ITEM, "unit_price": "-1"}, headers=bad_key
    )
    assert refused.status_code == 422
    fixed = await client.post(
        "/v1/catalogue/items",
        json={**CATALOGUE_ITEM, "code": "BPU-NEW", "valid_from": "2026-02-01"},
        headers=bad_key,
    )
    assert fixed.status_code == 201, fixed.text
