"""Quote to purchase order through the API, members and orders on PostgreSQL: the marketplace flow."""

from __future__ import annotations

import asyncio
import datetime as dt
import json

import pytest
from sqlalchemy import select

from services.orders.adapters.tables import messaging
from services.orders.entrypoints import api
from tests.apps import RunningServices
from tests.orders.helpers import TODAY, add_item, adhering_member_known_to_orders, days, sent_quote

pytestmark = pytest.mark.postgres


async def emitted(services: RunningServices) -> list[tuple[str, dict]]:
    async with services.runtimes["orders"].unit_of_work() as uow:
        rows = (
            await uow.session.execute(
                select(messaging.outbox.c.routing_key, messaging.outbox.c.body).order_by(
                    messaging.outbox.c.id
                )
            )
        ).all()
    return [(row.routing_key, json.loads(row.body)["payload"]) for row in rows]


async def test_an_accepted_quote_gives_exactly_one_purchase_order_and_its_events(services, client) -> None:
    member_id = await adhering_member_known_to_orders(client, 101)
    await add_item(client, "ONE-LIC", unit_price="120.50")
    await add_item(
        client,
        "FORM-DEMI-J",
        label="Formation, demi-journée",
        unit="demi-journée",
        unit_price="150",
        source="catalogue",
    )
    quote = await sent_quote(
        client,
        member_id,
        [{"item_code": "ONE-LIC", "quantity": "3"}, {"item_code": "FORM-DEMI-J", "quantity": "2.5"}],
    )
    assert quote["status"] == "sent" and quote["number"] == f"DV-{TODAY.year}-000001"
    assert quote["totals"] == {
        "total_excl_tax": "736.50",
        "total_vat": "147.30",
        "total_incl_tax": "883.80",
        "vat_breakdown": [
            {"category": "S", "rate": "20.00", "taxable_amount": "736.50", "vat_amount": "147.30"}
        ],
    }

    response = await client.post(f"/v1/quotes/{quote['id']}/accept", json={"accepted_by": "Mme Dupont, DGS"})

    assert response.status_code == 200, response.text
    accepted, order = response.json()["quote"], response.json()["purchase_order"]
    assert accepted["status"] == "accepted" and accepted["accepted_by"] == "Mme Dupont, DGS"
    assert (
        order["po_number"] == f"BC-{TODAY.year}-000001"
        and accepted["purchase_order_number"] == order["po_number"]
    )
    assert order["buyer"]["member_id"] == member_id and order["totals"]["total_excl_tax"] == "736.50"
    assert [
        (line["item_code"], line["quantity"], line["unit_price"], line["net_amount"])
        for line in order["lines"]
    ] == [("ONE-LIC", "3", "120.50", "361.50"), ("FORM-DEMI-J", "2.5", "150.00", "375.00")]
    orders = (await client.get("/v1/purchase-orders", params={"member_id": member_id})).json()["items"]
    assert [o["po_number"] for o in orders] == [order["po_number"]]
    read = await client.get(f"/v1/purchase-orders/{order['po_number']}")
    assert read.status_code == 200 and read.json()["history"][0]["kind"] == "issued"

    events = await emitted(services)
    kinds = [key for key, _ in events]
    assert kinds == ["orders.quote.sent", "orders.quote.accepted", "orders.purchase_order.issued"]
    issued = events[-1][1]
    assert issued["po_number"] == order["po_number"] and issued["quote_number"] == quote["number"]
    assert issued["buyer"]["siret"] == order["buyer"]["siret"] and issued["total_excl_tax"] == "736.50"
    assert [line["quantity"] for line in issued["lines"]] == ["3", "2.5"]


async def test_the_same_acceptance_sent_twice_concurrently_gives_one_purchase_order(client) -> None:
    member_id = await adhering_member_known_to_orders(client, 102)
    await add_item(client)
    quote = await sent_quote(client, member_id)
    body = {"accepted_by": "M. Martin"}

    first, second = await asyncio.gather(
        client.post(f"/v1/quotes/{quote['id']}/accept", json=body),
        client.post(f"/v1/quotes/{quote['id']}/accept", json=body),
    )

    assert sorted([first.status_code, second.status_code]) == [200, 409]
    loser = first if first.status_code == 409 else second
    assert loser.headers["content-type"] == "application/problem+json"
    orders = (await client.get("/v1/purchase-orders", params={"member_id": member_id})).json()["items"]
    assert len(orders) == 1


async def test_accepting_twice_is_a_conflict_and_does_not_issue_a_second_order(client) -> None:
    member_id = await adhering_member_known_to_orders(client, 103)
    await add_item(client)
    quote = await sent_quote(client, member_id)
    assert (
        await client.post(f"/v1/quotes/{quote['id']}/accept", json={"accepted_by": "A"})
    ).status_code == 200
    again = await client.post(f"/v1/quotes/{quote['id']}/accept", json={"accepted_by": "A"})
    assert again.status_code == 409 and "accepted" in again.json()["detail"]
    assert len((await client.get("/v1/purchase-orders")).json()["items"]) == 1


async def test_a_refused_quote_cannot_be_accepted(client) -> None:
    member_id = await adhering_member_known_to_orders(client, 104)
    await add_item(client)
    quote = await sent_quote(client, member_id)
    refused = await client.post(f"/v1/quotes/{quote['id']}/refuse", json={"reason": "budget"})
    assert refused.status_code == 200 and refused.json()["status"] == "refused"
    response = await client.post(f"/v1/quotes/{quote['id']}/accept", json={"accepted_by": "A"})
    assert response.status_code == 409 and "refused" in response.json()["detail"]
    assert (await client.get("/v1/purchase-orders")).json()["items"] == []


async def test_a_draft_quote_cannot_be_accepted_before_it_is_sent(client) -> None:
    member_id = await adhering_member_known_to_orders(client, 105)
    await add_item(client)
    draft = (
        await client.post(
            "/v1/quotes",
            json={
                "member_id": member_id,
                "valid_until": days(10),
                "lines": [{"item_code": "ONE-LIC", "quantity": "1"}],
            },
        )
    ).json()
    response = await client.post(f"/v1/quotes/{draft['id']}/accept", json={"accepted_by": "A"})
    assert response.status_code == 409


async def test_an_expired_quote_is_refused_with_its_validity_date_named(client, monkeypatch) -> None:
    member_id = await adhering_member_known_to_orders(client, 106)
    await add_item(client)
    quote = await sent_quote(client, member_id, valid_in_days=0)
    tomorrow = api.utcnow() + dt.timedelta(days=1)
    monkeypatch.setattr(api, "utcnow", lambda: tomorrow)  # the service's clock, one day later

    response = await client.post(f"/v1/quotes/{quote['id']}/accept", json={"accepted_by": "A"})

    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "valid_until"
    assert (await client.get(f"/v1/quotes/{quote['id']}")).json()["status"] == "expired"
    listed = (await client.get("/v1/quotes", params={"status": "expired"})).json()["items"]
    assert [q["id"] for q in listed] == [quote["id"]]


async def test_quote_cannot_be_accepted_without_required_commitment_number(client) -> None:
    member_id = await adhering_member_known_to_orders(client, 107, chorus_requirement="commitment_number")
    await add_item(client)
    quote = await sent_quote(client, member_id)

    missing = await client.post(f"/v1/quotes/{quote['id']}/accept", json={"accepted_by": "A"})
    assert missing.status_code == 422 and missing.json()["errors"][0]["field"] == "commitment_number"
    assert (await client.get(f"/v1/quotes/{quote['id']}")).json()["status"] == "sent"  # nothing half-written

    given = await client.post(
        f"/v1/quotes/{quote['id']}/accept", json={"accepted_by": "A", "commitment_number": "EJ-2026-0042"}
    )
    assert given.status_code == 200
    assert given.json()["purchase_order"]["commitment_number"] == "EJ-2026-0042"


async def test_the_service_code_given_at_acceptance_is_the_one_the_order_carries(client) -> None:
    member_id = await adhering_member_known_to_orders(
        client, 108, chorus_requirement="service_code", service_code="SVC-FINANCES"
    )
    await add_item(client)
    quote = await sent_quote(client, member_id)
    response = await client.post(
        f"/v1/quotes/{quote['id']}/accept", json={"accepted_by": "A", "service_code": "SVC-ECOLES"}
    )
    assert response.status_code == 200
    assert response.json()["purchase_order"]["buyer"]["service_code"] == "SVC-ECOLES"
