"""The same flow in the embedded mode's storage: SQLite files and the in-process broker."""

from __future__ import annotations

from services.members.bootstrap import DEFINITION as MEMBERS
from services.members.config import MembersSettings
from services.orders.bootstrap import DEFINITION as ORDERS
from services.orders.config import OrdersSettings
from tests.apps import run_services
from tests.orders.helpers import add_item, adhering_member_known_to_orders, sent_quote


async def test_a_quote_is_accepted_into_one_purchase_order_on_sqlite(tmp_path) -> None:
    async with run_services(
        [
            (
                MEMBERS,
                MembersSettings(
                    database_url=f"sqlite+aiosqlite:///{tmp_path}/members.db", retry_delay_ms=100
                ),
            ),
            (
                ORDERS,
                OrdersSettings(database_url=f"sqlite+aiosqlite:///{tmp_path}/orders.db", retry_delay_ms=100),
            ),
        ]
    ) as running:
        client = running.client
        member_id = await adhering_member_known_to_orders(client, 601)
        await add_item(client, unit_price="0.125")
        quote = await sent_quote(client, member_id, [{"item_code": "ONE-LIC", "quantity": "3"}])
        response = await client.post(f"/v1/quotes/{quote['id']}/accept", json={"accepted_by": "A"})
        assert response.status_code == 200, response.text
        order = response.json()["purchase_order"]
        assert order["lines"][0]["unit_price"] == "0.125" and order["totals"]["total_excl_tax"] == "0.38"
        again = await client.post(f"/v1/quotes/{quote['id']}/accept", json={"accepted_by": "A"})
        assert again.status_code == 409
        assert len((await client.get("/v1/purchase-orders")).json()["items"]) == 1
