"""The marketplace flow under faults: while flows run at a steady rate, processes are SIGKILLed and
restarted, RabbitMQ restarts, PostgreSQL sessions are terminated and the contractor fails or times
out. Afterwards every flow completed exactly once and no message is left unexplained.

Bounded for the test suite (about 3-4 minutes); `make faults` runs it longer:
    FAULTS_FLOWS=600 FAULTS_RATE=2 make faults     (default: 360 flows at 1.5/s, 4 broker restarts)
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import os
import time
from pathlib import Path

import pytest

from shared.clock import paris_today
from tests.faults.cluster import FAST_RECOVERY_ENV, Cluster, wait_for
from tests.faults.injector import KINDS, FaultInjector
from tests.faults.invariants import check, pending_outbox
from tests.faults.load import api_for, open_loop
from tests.faults.resilient import add_catalogue_item
from tests.faults.summary import table

pytestmark = [pytest.mark.e2e, pytest.mark.postgres, pytest.mark.rabbitmq, pytest.mark.slow]

FLOWS = int(os.environ.get("FAULTS_FLOWS", "120"))
RATE = float(os.environ.get("FAULTS_RATE", "1.2"))  # flows started per second
FAULT_INTERVAL = float(os.environ.get("FAULTS_INTERVAL", "5"))
BROKER_RESTARTS = int(os.environ.get("FAULTS_BROKER_RESTARTS", "2"))

# One API+relay+consumers process per service, plus a second relay+consumers process of orders and
# billing: a kill of either leaves the other one doing the work.
LAYOUT = {
    "members": ("members", 18201, "api,relay,consumers"),
    "orders": ("orders", 18202, "api,relay,consumers"),
    "billing": ("billing", 18203, "api,relay,consumers"),
    "orders-2": ("orders", 18212, "relay,consumers"),
    "billing-2": ("billing", 18213, "relay,consumers"),
}


@pytest.fixture
async def cluster(pg_url_factory, amqp_url, tmp_path):
    urls = {s: await pg_url_factory(f"ent_faults_{s}") for s in ("members", "orders", "billing")}
    running = Cluster(
        database_urls=urls,
        amqp_url=amqp_url,
        key_dir=tmp_path / "keys",
        log_dir=tmp_path / "logs",
        layout=LAYOUT,
        extra_env=FAST_RECOVERY_ENV,
        contractor_port=18290,
    )
    try:
        await asyncio.to_thread(running.start_all)
        yield running
    finally:
        await asyncio.to_thread(running.stop_all)
        print(f"\nprocess logs: {running.log_dir}")


async def test_every_flow_completes_exactly_once_through_kills_broker_and_database_faults(cluster, tmp_path):
    began = time.monotonic()
    async with api_for(cluster, key_dir=cluster.key_dir, connections=60, step_timeout=240) as api:
        await add_catalogue_item(api)
        injector = FaultInjector(cluster, interval=FAULT_INTERVAL, broker_restarts=BROKER_RESTARTS)
        faulting = asyncio.create_task(injector.run())
        try:
            flows = asyncio.create_task(open_loop(api, rate=RATE, flows=FLOWS, today=paris_today()))
            # Faults go on while flows are being started, then stop: the rest is recovery.
            await asyncio.sleep(FLOWS / RATE)
        finally:
            injector.stop()
            await faulting
        outcome = await flows
        # A restart that failed (the process would not come back) is reported before anything else.
        assert injector.errors == [], f"faults that could not be injected or recovered: {injector.errors}"
        assert await cluster.all_ready(), "every process answers /readyz once the faults are over"

        async def drained() -> bool:
            return not any((await pending_outbox(cluster.database_urls)).values())

        await wait_for(drained, timeout=120, what="every outbox row published")
        # From the end of the last fault until every flow completed and every event was published.
        recover_s = time.monotonic() - injector.last_fault_ended
        # Every flow waited for its PO's transmission before going on: nothing is left to transmit.
        await asyncio.sleep(2)  # a late redelivery, if any, has time to land (and to be caught)
        verdict = await check(
            results=outcome.results,
            flows_started=outcome.started,
            orders=api.orders,
            billing=api.billing,
            contractor_url=cluster.contractor_url,
            database_urls=cluster.database_urls,
            amqp_url=cluster.amqp_url,
        )
        retries = api.retries
    summary = table(
        verdict=verdict,
        faults=injector.faults,
        retries=retries,
        recover_s=recover_s,
        elapsed_s=time.monotonic() - began,
    )
    print("\n" + summary)
    # `make faults` keeps the table and the JSON in var/faults/ (FAULTS_REPORT_DIR); the suite, in tmp.
    report_dir = Path(os.environ.get("FAULTS_REPORT_DIR") or tmp_path)
    report_dir.mkdir(parents=True, exist_ok=True)
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    (report_dir / f"faults-{stamp}.txt").write_text(summary + "\n")
    (report_dir / f"faults-{stamp}.json").write_text(
        json.dumps(
            {
                "counts": verdict.counts,
                "faults": [f.__dict__ for f in injector.faults],
                "violations": verdict.violations,
                "parked": verdict.parked,
                "failures": outcome.failures,
                "retries": dict(retries),
            },
            indent=2,
            default=str,
        )
    )

    assert set(injector.by_kind()) == set(KINDS), f"every kind of fault was injected: {injector.by_kind()}"
    assert outcome.failures == {}
    assert outcome.started == FLOWS and len(outcome.results) == FLOWS
    assert verdict.counts["purchase_orders"] == FLOWS
    assert verdict.counts["member_invoices"] == FLOWS
    assert verdict.counts["supplier_invoices_approved"] == FLOWS
    assert verdict.counts["contractor_orders"] == FLOWS
    assert verdict.counts["events:orders.purchase_order.issued"] == FLOWS
    assert (
        verdict.counts["events:orders.purchase_order.transmitted"]
        + verdict.counts["pos_acknowledged_before_transmission_recorded"]
        == FLOWS
    )
    assert verdict.counts["events:billing.invoice.issued"] == FLOWS
    assert verdict.lost == [] and verdict.doubled == [] and verdict.other == []
    assert verdict.parked == [], "no message parked: every delivery that failed was retried and applied"
