"""The contractor simulator keeps one order per PO number, and misbehaves on request."""

from __future__ import annotations

import httpx
import pytest

from simulators.contractor import ContractorState, build_app


def order(po_number: str = "BC-2026-000001", quantity: str = "3") -> dict:
    return {"po_number": po_number, "lines": [{"line_no": 1, "item_code": "X", "quantity": quantity}]}


@pytest.fixture
async def contractor():
    state = ContractorState(ack_delay_s=-1)
    transport = httpx.ASGITransport(app=build_app(state))
    async with httpx.AsyncClient(transport=transport, base_url="http://contractor") as client:
        yield client, state


async def test_a_repeated_submission_returns_the_order_held_and_never_a_second_one(contractor) -> None:
    client, state = contractor
    first = await client.put("/orders/BC-2026-000001", json=order())
    again = await client.put("/orders/BC-2026-000001", json=order())
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["contractor_reference"] == again.json()["contractor_reference"]
    assert len(state.orders) == 1 and state.orders["BC-2026-000001"].submissions == 2


async def test_another_order_under_a_held_number_is_a_conflict(contractor) -> None:
    client, _ = contractor
    await client.put("/orders/BC-2026-000001", json=order())
    other = await client.put("/orders/BC-2026-000001", json=order(quantity="4"))
    assert other.status_code == 409


async def test_fail_mode_keeps_nothing_and_garbage_mode_keeps_the_order_but_answers_junk(contractor) -> None:
    client, state = contractor
    await client.put("/admin/mode", json={"mode": "fail"})
    assert (await client.put("/orders/BC-2026-000001", json=order())).status_code == 500
    assert state.orders == {}
    await client.put("/admin/mode", json={"mode": "garbage"})
    junk = await client.put("/orders/BC-2026-000001", json=order())
    assert junk.status_code == 200 and "po_number" not in junk.text
    assert list(state.orders) == ["BC-2026-000001"]


async def test_an_acknowledged_order_can_no_longer_be_cancelled(contractor) -> None:
    client, _ = contractor
    await client.put("/orders/BC-2026-000001", json=order())
    await client.put("/orders/BC-2026-000002", json=order("BC-2026-000002"))
    assert (await client.post("/admin/orders/BC-2026-000001/acknowledge")).json()["status"] == "acknowledged"
    assert (await client.post("/orders/BC-2026-000001/cancel")).status_code == 409
    assert (await client.post("/orders/BC-2026-000002/cancel")).json()["status"] == "cancelled"
