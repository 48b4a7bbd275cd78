"""500 marketplace flows through the three services running as separate processes on PostgreSQL and
RabbitMQ: exactly 500 purchase orders and 500 member invoices, none missing, none doubled."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections import Counter

import httpx
import pytest

from launcher.local import SERVICES, start_service, stop_all, wait_ready
from launcher.tokens import dev_token
from shared.clock import paris_today
from shared.security.principal import Role
from tests.e2e.flow import CATALOGUE_ITEM, Endpoints, all_pages, dev_headers, ok, run_flow

pytestmark = [pytest.mark.e2e, pytest.mark.postgres, pytest.mark.rabbitmq, pytest.mark.slow]

FLOWS = 500
CONCURRENCY = 25


@pytest.fixture
def key_dir(tmp_path):
    """The development keys the service processes trust and the test signs its tokens with."""
    return tmp_path / "keys"


@pytest.fixture
async def services(pg_url_factory, amqp_url, key_dir):
    dev_token(Role.ADMIN, key_dir=key_dir)  # creates the pair before the processes look for it
    env = {
        "ENT_AUTH_DEV_KEY_DIR": str(key_dir),
        "ENT_BROKER": "rabbitmq",
        "ENT_AMQP_URL": amqp_url,
        "ENT_RETRY_DELAY_MS": "200",
        "ENT_LOG_LEVEL": "WARNING",
    }
    for name in SERVICES:
        env[f"{name.upper()}_DATABASE_URL"] = await pg_url_factory(f"ent_e2e_{name}")
    ports = {"members": 18001, "orders": 18002, "billing": 18003}
    processes = [start_service(name, ports[name], env, log_prefix=False) for name in SERVICES]
    try:
        await asyncio.to_thread(wait_ready, processes, 90)
        yield {p.name: p.base_url for p in processes}
    finally:
        await asyncio.to_thread(stop_all, processes)


async def test_500_flows_give_exactly_500_purchase_orders_and_500_member_invoices(services, key_dir):
    limits = httpx.Limits(max_connections=CONCURRENCY * 2, keepalive_expiry=30)
    staff = {"Authorization": f"Bearer {dev_token(Role.ADMIN, key_dir=key_dir)}"}
    async with (
        httpx.AsyncClient(base_url=services["members"], timeout=30, limits=limits, headers=staff) as members,
        httpx.AsyncClient(base_url=services["orders"], timeout=30, limits=limits, headers=staff) as orders,
        httpx.AsyncClient(base_url=services["billing"], timeout=30, limits=limits, headers=staff) as billing,
    ):
        api = Endpoints(members, orders, billing, as_role=dev_headers(key_dir))
        ok(await orders.post("/v1/catalogue/items", json=CATALOGUE_ITEM), 201)
        gate = asyncio.Semaphore(CONCURRENCY)
        today = paris_today()

        async def one(seed: int) -> dict[str, str]:
            async with gate:
                return await run_flow(api, seed, today)

        results = await asyncio.gather(*(one(seed) for seed in range(1, FLOWS + 1)))

        purchase_orders = await all_pages(orders, "/v1/purchase-orders")
        invoices = await all_pages(billing, "/v1/invoices")
        numbering = ok(await billing.get("/v1/numbering/check"))

    assert len(results) == FLOWS
    # One accepted quote → exactly one PO.
    assert len(purchase_orders) == FLOWS
    assert len({po["po_number"] for po in purchase_orders}) == FLOWS
    assert Counter(po["quote_id"] for po in purchase_orders) == Counter(r["quote_id"] for r in results)
    # One approved supplier invoice → exactly one member invoice, on the PO it rebills.
    assert len(invoices) == FLOWS
    assert sorted(i["po_number"] for i in invoices) == sorted(r["po_number"] for r in results)
    assert len({i["number"] for i in invoices}) == FLOWS
    # Numbers are gapless; every invoice has a due date 30 days after issue (provisional until Chorus).
    assert numbering["ok"] is True, numbering
    for invoice in invoices:
        issue = dt.date.fromisoformat(invoice["issue_date"])
        assert dt.date.fromisoformat(invoice["due_date"]) == issue + dt.timedelta(days=30)
