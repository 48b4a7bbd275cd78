"""Purchase orders reach the contractor once, however it misbehaves: down for a while, answering
garbage or too late. The contractor simulator runs on a real local port; orders on PostgreSQL."""

from __future__ import annotations

import pytest

from tests.orders.contractor_bench import Bench, eventually, orders_with_contractor
from tests.orders.helpers import add_item, adhering_member_known_to_orders, sent_quote
from tests.orders.test_quote_acceptance_api import emitted

pytestmark = [pytest.mark.postgres, pytest.mark.slow]


async def accepted_po(bench: Bench, seed: int) -> str:
    member_id = await adhering_member_known_to_orders(bench.client, seed)
    await add_item(bench.client)
    quote = await sent_quote(bench.client, member_id)
    response = await bench.client.post(
        f"/v1/quotes/{quote['id']}/accept", json={"accepted_by": "Mme Dupont", "commitment_number": "EJ-1"}
    )
    assert response.status_code == 200, response.text
    return response.json()["purchase_order"]["po_number"]


async def read_po(bench: Bench, po_number: str) -> dict:
    response = await bench.client.get(f"/v1/purchase-orders/{po_number}")
    assert response.status_code == 200, response.text
    return response.json()


def kinds(order: dict) -> list[str]:
    return [entry["kind"] for entry in order["history"]]


async def count_emitted(bench: Bench, routing_key: str) -> int:
    return sum(1 for key, _ in await emitted(bench) if key == routing_key)  # type: ignore[arg-type]


async def test_a_contractor_down_for_a_while_gets_the_order_once_when_it_is_back(pg_url_factory) -> None:
    async with orders_with_contractor(pg_url_factory) as bench:
        po_number = await accepted_po(bench, 701)

        async def failed_twice() -> dict | None:
            order = await read_po(bench, po_number)
            return order if kinds(order).count("transmission_failed") >= 2 else None

        down = await eventually(failed_twice, what="two failed attempts recorded")
        assert down["status"] == "issued" and "unreachable" in down["transmission"]["last_error"]
        assert down["transmission"]["next_attempt_at"] is not None

        async with bench.contractor_up():

            async def transmitted() -> dict | None:
                order = await read_po(bench, po_number)
                return order if order["status"] == "transmitted" else None

            order = await eventually(transmitted, what="transmitted once the contractor is back")
            held = bench.contractor.orders[po_number]
            assert len(bench.contractor.orders) == 1 and held.submissions == 1
            assert order["transmission"]["contractor_reference"] == held.contractor_reference
            assert order["transmission"]["next_attempt_at"] is None
            assert await count_emitted(bench, "orders.purchase_order.transmitted") == 1

            # The contractor acknowledges through its callback into the orders API.
            answer = await bench.tell_contractor("POST", f"/admin/orders/{po_number}/acknowledge")
            assert answer.status_code == 200 and answer.json()["acknowledgement_delivered"] is True
            order = await read_po(bench, po_number)
            assert order["status"] == "acknowledged" and kinds(order)[-1] == "acknowledged"
            assert await count_emitted(bench, "orders.purchase_order.acknowledged") == 1


async def test_a_garbage_answer_is_recorded_and_retried_without_a_second_order(pg_url_factory) -> None:
    async with orders_with_contractor(pg_url_factory) as bench:
        bench.contractor.mode = "garbage"
        async with bench.contractor_up():
            po_number = await accepted_po(bench, 702)

            async def garbage_recorded() -> dict | None:
                order = await read_po(bench, po_number)
                return order if "transmission_failed" in kinds(order) else None

            order = await eventually(garbage_recorded, what="a garbage answer recorded")
            assert order["status"] == "issued"
            assert "unreadable answer" in order["transmission"]["last_error"]
            assert list(bench.contractor.orders) == [po_number]  # it did keep the order

            bench.contractor.mode = "ok"

            async def transmitted() -> dict | None:
                found = await read_po(bench, po_number)
                return found if found["status"] == "transmitted" else None

            order = await eventually(transmitted, what="transmitted after the garbage")
            held = bench.contractor.orders[po_number]
            assert len(bench.contractor.orders) == 1 and held.submissions >= 2
            assert order["transmission"]["contractor_reference"] == held.contractor_reference
            assert order["transmission"]["attempts"] >= 2
            assert await count_emitted(bench, "orders.purchase_order.transmitted") == 1


async def test_an_answer_too_late_is_retried_and_the_contractor_keeps_one_order(pg_url_factory) -> None:
    async with orders_with_contractor(pg_url_factory) as bench:
        bench.contractor.mode, bench.contractor.delay_s = "late", 1.5  # the gateway gives up after 1 s
        async with bench.contractor_up():
            po_number = await accepted_po(bench, 703)
            await eventually(lambda: _held(bench, po_number), what="the late contractor kept the order")
            order = await read_po(bench, po_number)
            assert order["status"] == "issued"
            bench.contractor.mode = "ok"

            async def transmitted() -> dict | None:
                found = await read_po(bench, po_number)
                return found if found["status"] == "transmitted" else None

            await eventually(transmitted, what="transmitted after the timeouts")
            assert len(bench.contractor.orders) == 1
            assert bench.contractor.orders[po_number].submissions >= 2
            assert "timed out" in " ".join(e["detail"] for e in (await read_po(bench, po_number))["history"])


async def _held(bench: Bench, po_number: str) -> bool:
    return po_number in bench.contractor.orders


async def test_cancelling_a_transmitted_order_tells_the_contractor_and_an_acknowledged_one_is_refused(
    pg_url_factory,
) -> None:
    async with orders_with_contractor(pg_url_factory) as bench, bench.contractor_up():
        first = await accepted_po(bench, 704)
        quote = await sent_quote(bench.client, (await read_po(bench, first))["member_id"])
        accepted = await bench.client.post(
            f"/v1/quotes/{quote['id']}/accept", json={"accepted_by": "A", "commitment_number": "EJ-2"}
        )
        second = accepted.json()["purchase_order"]["po_number"]

        async def both_transmitted() -> bool:
            return all([(await read_po(bench, n))["status"] == "transmitted" for n in (first, second)])

        await eventually(both_transmitted, what="both transmitted")

        cancelled = await bench.client.post(
            f"/v1/purchase-orders/{first}/cancel", json={"cancelled_by": "M. Martin", "reason": "doublon"}
        )
        assert cancelled.status_code == 200, cancelled.text
        assert cancelled.json()["status"] == "cancelled"
        assert bench.contractor.orders[first].status == "cancelled"
        payloads = [p for key, p in await emitted(bench) if key == "orders.purchase_order.cancelled"]  # type: ignore[arg-type]
        assert len(payloads) == 1 and payloads[0]["contractor_notified"] is True

        await bench.tell_contractor("POST", f"/admin/orders/{second}/acknowledge")
        refused = await bench.client.post(
            f"/v1/purchase-orders/{second}/cancel", json={"cancelled_by": "M. Martin", "reason": "trop tard"}
        )
        assert refused.status_code == 409
        assert (await read_po(bench, second))["status"] == "acknowledged"


@pytest.mark.rabbitmq
async def test_through_rabbitmq_the_issued_event_drives_transmission_and_the_callback_acknowledges(
    pg_url_factory, amqp_url: str
) -> None:
    async with orders_with_contractor(pg_url_factory, amqp_url=amqp_url) as bench:
        bench.contractor.ack_delay_s = 0.2  # acknowledges by itself, through its callback
        async with bench.contractor_up():
            po_number = await accepted_po(bench, 705)

            async def acknowledged() -> dict | None:
                order = await read_po(bench, po_number)
                return order if order["status"] == "acknowledged" else None

            order = await eventually(acknowledged, timeout=30, what="transmitted then acknowledged")
            assert kinds(order) == ["issued", "transmitted", "acknowledged"]
            assert bench.contractor.orders[po_number].submissions == 1
            assert await count_emitted(bench, "orders.purchase_order.transmitted") == 1
            assert await count_emitted(bench, "orders.purchase_order.acknowledged") == 1
