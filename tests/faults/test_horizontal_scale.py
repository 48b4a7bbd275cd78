"""Two relay+consumers processes per service beside one API process each: the work is shared
(competing consumers on each quorum queue, relays taking outbox rows with SKIP LOCKED) and nothing is
done twice: every message is applied by exactly one of them, every outbox row published once."""

from __future__ import annotations

import asyncio

import asyncpg
import pytest

from shared.clock import paris_today
from shared.contracts.topology import BILLING_REBILLING_APPROVED
from tests.faults.cluster import (
    FAST_RECOVERY_ENV,
    Cluster,
    asyncpg_dsn,
    parse_consumed,
    parse_published,
    wait_for,
)
from tests.faults.invariants import check, pending_outbox
from tests.faults.load import api_for, closed_loop
from tests.faults.resilient import add_catalogue_item

pytestmark = [pytest.mark.e2e, pytest.mark.postgres, pytest.mark.rabbitmq, pytest.mark.slow]

SERVICES = ("members", "orders", "billing")
WORKERS = ("a", "b")
LAYOUT = {
    **{f"{s}-api": (s, 18240 + i, "api") for i, s in enumerate(SERVICES)},
    **{
        f"{s}-{w}": (s, 18250 + 10 * j + i, "relay,consumers")
        for i, s in enumerate(SERVICES)
        for j, w in enumerate(WORKERS)
    },
}
CONCURRENCY = 12
DURATION_S = 25  # about 60 flows on a 2-core machine


@pytest.fixture
async def cluster(pg_url_factory, amqp_url, tmp_path):
    urls = {s: await pg_url_factory(f"ent_scale_{s}") for s in SERVICES}
    running = Cluster(
        database_urls=urls,
        amqp_url=amqp_url,
        key_dir=tmp_path / "keys",
        log_dir=tmp_path / "logs",
        layout=LAYOUT,
        extra_env=FAST_RECOVERY_ENV,
        contractor_port=18299,
    )
    try:
        await asyncio.to_thread(running.start_all)
        yield running
    finally:
        await asyncio.to_thread(running.stop_all)


async def _rows(url: str, query: str) -> dict[str, int]:
    conn = await asyncpg.connect(asyncpg_dsn(url))
    try:
        return {r[0]: r[1] for r in await conn.fetch(query)}
    finally:
        await conn.close()


async def test_two_relays_and_two_consumers_per_service_share_the_work_without_doubling(cluster):
    async with api_for(cluster, key_dir=cluster.key_dir, connections=40) as api:
        await add_catalogue_item(api)
        outcome = await closed_loop(api, concurrency=CONCURRENCY, duration=DURATION_S, today=paris_today())

        async def drained() -> bool:
            return not any((await pending_outbox(cluster.database_urls)).values())

        await wait_for(drained, timeout=60, what="every outbox row published")
        await asyncio.sleep(2)  # the last deliveries are applied and counted
        verdict = await check(
            results=outcome.results,
            flows_started=outcome.started,
            orders=api.orders,
            billing=api.billing,
            contractor_url=cluster.contractor_url,
            database_urls=cluster.database_urls,
            amqp_url=cluster.amqp_url,
        )
        metrics = await cluster.metrics()

    flows = len(outcome.results)
    print(f"\n{flows} flows by {CONCURRENCY} workers in {outcome.ended - outcome.began:.1f}s")
    assert outcome.failures == {} and flows == outcome.started and flows >= 20
    assert verdict.violations == [] and verdict.parked == []
    assert verdict.counts["purchase_orders"] == flows and verdict.counts["member_invoices"] == flows

    for service in SERVICES:
        url = cluster.database_urls[service]
        # Relays: both published, and together exactly once per outbox row (no faults: no re-publish).
        published = {w: parse_published(metrics[f"{service}-{w}"]) for w in WORKERS}
        outbox_rows = (await _rows(url, "SELECT 'all', count(*) FROM outbox"))["all"]
        print(f"{service} relays: {published} for {outbox_rows} outbox rows")
        assert parse_published(metrics[f"{service}-api"]) == 0  # the API process runs no relay
        assert all(n > 0 for n in published.values()), f"{service}: both relays took a share"
        assert sum(published.values()) == outbox_rows

        # Consumers: both applied messages of every busy queue, and together exactly the inbox rows.
        inbox = await _rows(url, "SELECT consumer, count(*) FROM inbox GROUP BY consumer")
        applied = {w: parse_consumed(metrics[f"{service}-{w}"]) for w in WORKERS}
        for consumer, rows in sorted(inbox.items()):
            shares = {w: applied[w].get(consumer, 0.0) for w in WORKERS}
            print(f"  {consumer}: applied {shares} for {rows} inbox rows")
            assert sum(shares.values()) == rows, f"{consumer}: each message applied by exactly one instance"
            if consumer != BILLING_REBILLING_APPROVED:
                assert all(n > 0 for n in shares.values()), f"{consumer}: both consumers took a share"
        expected = {"members": set(), "orders": {"orders.members", "orders.billing", "orders.transmission"}}
        assert set(inbox) >= expected.get(
            service, {"billing.members", "billing.orders", "billing.rebilling"}
        ), f"{service}: every consumer queue saw traffic"
