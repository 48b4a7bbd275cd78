"""Catalogue price versions and quote creation through the API, on PostgreSQL."""

from __future__ import annotations

import pytest

from tests.orders.helpers import (
    add_item,
    adhering_member_known_to_orders,
    days,
    item_body,
    register_adhering_member,
    sent_quote,
    wait_for_eligibility,
)

pytestmark = pytest.mark.postgres


async def test_a_new_price_version_applies_to_new_quotes_and_never_alters_an_existing_one(client) -> None:
    member_id = await adhering_member_known_to_orders(client, 201)
    await add_item(client, "ONE-LIC", unit_price="100.00", valid_from=days(-30))
    before = await sent_quote(client, member_id, [{"item_code": "ONE-LIC", "quantity": "1"}])

    await add_item(client, "ONE-LIC", unit_price="110.00", valid_from=days(0))
    after = await sent_quote(client, member_id, [{"item_code": "ONE-LIC", "quantity": "1"}])

    assert (await client.get(f"/v1/quotes/{before['id']}")).json()["lines"][0]["unit_price"] == "100.00"
    assert after["lines"][0]["unit_price"] == "110.00"
    catalogue = (await client.get("/v1/catalogue/items", params={"on": days(-1)})).json()["items"]
    assert [(i["code"], i["unit_price"]) for i in catalogue] == [("ONE-LIC", "100.00")]


async def test_a_price_version_is_never_overwritten(client) -> None:
    await add_item(client, "ONE-LIC", valid_from=days(-3))
    again = await client.post(
        "/v1/catalogue/items", json=item_body("ONE-LIC", valid_from=days(-3), unit_price="1")
    )
    assert again.status_code == 409 and again.json()["errors"][0]["field"] == "valid_from"


async def test_sub_cent_unit_prices_are_kept_exactly(client) -> None:
    member_id = await adhering_member_known_to_orders(client, 202)
    await add_item(client, "COMPTE-PARENT", unit_price="0.125", unit="compte")
    quote = await sent_quote(client, member_id, [{"item_code": "COMPTE-PARENT", "quantity": "3"}])
    assert quote["lines"][0]["unit_price"] == "0.125"
    assert quote["lines"][0]["net_amount"] == "0.38"  # 0.375 rounded half up


async def test_a_standard_rated_item_without_rate_is_refused(client) -> None:
    response = await client.post("/v1/catalogue/items", json=item_body(vat_category="S", vat_rate="0"))
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "vat_rate"


async def test_a_quote_for_an_unknown_member_is_refused_naming_member_id(client) -> None:
    await add_item(client)
    response = await client.post(
        "/v1/quotes",
        json={
            "member_id": "00000000-0000-0000-0000-000000000000",
            "valid_until": days(10),
            "lines": [{"item_code": "ONE-LIC", "quantity": "1"}],
        },
    )
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["errors"][0]["field"] == "member_id"


async def test_a_quote_for_a_member_whose_adhesion_is_not_yet_in_effect_is_refused(client) -> None:
    member_id = await register_adhering_member(client, 203, effective_in_days=20)
    await wait_for_eligibility(client, member_id, on=days(20))  # orders knows it adheres from that day
    await add_item(client)
    response = await client.post(
        "/v1/quotes",
        json={
            "member_id": member_id,
            "valid_until": days(10),
            "lines": [{"item_code": "ONE-LIC", "quantity": "1"}],
        },
    )
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "member_id"


async def test_an_unknown_catalogue_code_is_refused_naming_the_line(client) -> None:
    member_id = await adhering_member_known_to_orders(client, 204)
    await add_item(client)
    response = await client.post(
        "/v1/quotes",
        json={
            "member_id": member_id,
            "valid_until": days(10),
            "lines": [{"item_code": "ONE-LIC", "quantity": "1"}, {"item_code": "NOPE", "quantity": "1"}],
        },
    )
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "lines.1.item_code"
    assert (await client.get("/v1/quotes")).json()["items"] == []


@pytest.mark.parametrize("quantity", ["0", "-2", "100001", "1e9"])
async def test_a_zero_negative_or_absurd_quantity_is_refused_naming_the_line(client, quantity: str) -> None:
    member_id = await adhering_member_known_to_orders(client, 205)
    await add_item(client)
    response = await client.post(
        "/v1/quotes",
        json={
            "member_id": member_id,
            "valid_until": days(10),
            "lines": [{"item_code": "ONE-LIC", "quantity": quantity}],
        },
    )
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "lines.0.quantity"


async def test_unknown_fields_are_refused(client) -> None:
    response = await client.post("/v1/catalogue/items", json=item_body() | {"discount": "10"})
    assert response.status_code == 422


async def test_quotes_are_listed_by_status_and_member_with_a_cursor(client) -> None:
    first = await adhering_member_known_to_orders(client, 206)
    second = await adhering_member_known_to_orders(client, 207)
    await add_item(client)
    q1 = await sent_quote(client, first)
    q2 = await sent_quote(client, first)
    await sent_quote(client, second)
    await client.post(f"/v1/quotes/{q2['id']}/cancel")

    sent_of_first = (await client.get("/v1/quotes", params={"member_id": first, "status": "sent"})).json()
    assert [q["id"] for q in sent_of_first["items"]] == [q1["id"]]
    page = (await client.get("/v1/quotes", params={"limit": 2})).json()
    rest = (await client.get("/v1/quotes", params={"limit": 2, "cursor": page["next_cursor"]})).json()
    assert len(page["items"]) == 2 and len(rest["items"]) == 1 and rest["next_cursor"] is None
    assert (await client.get(f"/v1/quotes/{q2['id']}")).json()["status"] == "cancelled"
