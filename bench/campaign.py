"""Benchmark: a national-scale yearly contribution campaign (art. 5), computed, issued and rendered.

    .venv/bin/python -m bench.campaign                          # 3,500 then 35,000 members
    .venv/bin/python -m bench.campaign --members 3500           # one size (repeatable)
    .venv/bin/python -m bench.campaign --workers 2 --render-limit 2000

Scale of the 35,000 run: 35,000 members (the number of French communes) of which 1,250 EPCIs, 50,000
schools (each member has one, the EPCIs share the rest), one pupil count per school; 10 % of members
with the optional support, 3 % adhering mid-year (prorata by days), 1 % withdrawing mid-year, 2 % with
a subsidy (some above their call), 5 % with delivered half-days. The 3,500 run is the same at a tenth.

Each size runs in its own OS process on its own throwaway PostgreSQL database, so its peak memory
(`ru_maxrss`) is its own. Seeding the read models is not timed. Timed phases, with the same use cases
the API calls:
1. `compute`: `create_campaign` (reads every read model, computes every call, stores the draft);
2. `issue`: `issue_campaign` (batches of 250: gapless numbers, invoices, outbox events, commits);
3. `render`: the Factur-X of every issued invoice through `render_invoice` (the `GET .../facturx.pdf`
   code: PDF with the breakdown annex, CII, PDF/A-3 embedding, Factur-X XSD check), spread over
   `--workers` processes, each with its own connection pool.
The relay (publishing the outbox to RabbitMQ) is not running: publication is asynchronous to the issue.
Results: bench/results/campaign-<UTC>.json and campaign-latest.json.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import multiprocessing
import os
import platform
import random
import resource
import subprocess
import sys
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import insert, select

from services.billing.adapters.campaign_tables import (
    contribution_adhesions,
    contribution_calls,
    contribution_pupil_counts,
    contribution_school_attachments,
    contribution_subsidies,
    contribution_support,
    contribution_tariffs,
)
from services.billing.adapters.tables import members, messaging
from services.billing.bootstrap import DEFINITION
from services.billing.entrypoints.seller import seller_from_settings
from services.billing.use_cases.campaigns import CreateCampaign, create_campaign, issue_campaign
from services.billing.use_cases.documents import DocumentFormat, render_invoice
from shared.db import Database, utcnow
from shared.migrations import upgrade
from shared.uow import UnitOfWork
from tests.infra import create_database, drop_database

RESULTS_DIR = Path(__file__).resolve().parent / "results"
YEAR = 2027
ISSUE_DATE = dt.date(2027, 3, 15)
SIRENS = ["200044618", "200041762", "245900410", "200093201", "200066793"]


def _rss_mb() -> float:
    """This process's peak resident memory. `VmHWM` restarts at exec; `ru_maxrss` would not: a spawned
    worker would report its parent's peak."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        pass
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


async def _seed(db: Database, n_members: int, seed: int = 42) -> dict[str, int]:
    """The read models as the members' events would have left them (bulk inserts, not timed)."""
    rng = random.Random(seed)
    n_epci = max(1, n_members * 1250 // 35000)
    n_schools = n_members * 50000 // 35000
    ids = [f"m-{i:06d}" for i in range(n_members)]
    now = utcnow()
    rows: dict[str, list[dict[str, Any]]] = {
        "members": [],
        "adhesions": [],
        "attachments": [],
        "counts": [],
        "subsidies": [],
        "support": [],
    }
    for i, member_id in enumerate(ids):
        siren = SIRENS[i % len(SIRENS)]
        rows["members"].append(
            {
                "member_id": member_id,
                "name": ("Communauté de communes " if i < n_epci else "Commune ") + f"n°{i}",
                "siren": siren,
                "siret": f"{siren}00019",
                "address": {
                    "line1": "1 place de la Mairie",
                    "postcode": "59000",
                    "city": "Lille",
                    "line2": None,
                    "country_code": "FR",
                },
                "service_code": None,
                "chorus_requirement": "none",
                "as_of": now,
            }
        )
        draw = rng.random()
        effective = dt.date(YEAR, rng.randint(2, 11), 1) if draw < 0.03 else dt.date(2020, 1, 1)
        withdrawal = dt.date(YEAR, rng.randint(2, 12), 1) if 0.03 <= draw < 0.04 else None
        rows["adhesions"].append(
            {
                "adhesion_id": f"a-{i:06d}",
                "member_id": member_id,
                "approved": True,
                "effective_date": effective,
                "option": "base_and_flat" if rng.random() < 0.10 else "base",
                "withdrawal_date": withdrawal,
            }
        )
        if rng.random() < 0.02:
            rows["subsidies"].append(
                {
                    "subsidy_id": f"s-{i:06d}",
                    "member_id": member_id,
                    "year": YEAR,
                    "amount": Decimal(rng.choice(["50.00", "500.00", "100000.00"])),
                    "payer_name": "Commune voisine",
                    "deliberation_number": "D-SUB",
                }
            )
        if rng.random() < 0.05:
            rows["support"].append(
                {
                    "support_request_id": f"sr-{i:06d}",
                    "member_id": member_id,
                    "service": "family_training",
                    "billable": True,
                    "half_days": rng.randint(1, 6),
                    "delivered_on": dt.date(YEAR, rng.randint(1, 12), 10),
                }
            )
    for s in range(n_schools):
        owner = ids[s] if s < n_members else ids[rng.randrange(n_epci)]
        uai = f"{s:07d}A"
        rows["attachments"].append(
            {"uai": uai, "from_date": dt.date(2015, 9, 1), "member_id": owner, "name": f"École {s}"}
        )
        rows["counts"].append(
            {
                "uai": uai,
                "school_year": f"{YEAR - 1}-{YEAR}",
                "pupils": rng.randint(20, 400),
                "member_id": owner,
                "counted_on": dt.date(YEAR - 1, 9, 1),
                "revision": 1,
            }
        )
    tables = {
        "members": members,
        "adhesions": contribution_adhesions,
        "attachments": contribution_school_attachments,
        "counts": contribution_pupil_counts,
        "subsidies": contribution_subsidies,
        "support": contribution_support,
    }
    async with db.engine.begin() as conn:
        await conn.execute(
            insert(contribution_tariffs).values(
                year=YEAR,
                tariff_id="t",
                revision=1,
                base_per_pupil=Decimal("1.30"),
                optional_per_pupil=Decimal("0.30"),
                half_day_rate=Decimal("150.00"),
                pupil_count_school_year=f"{YEAR - 1}-{YEAR}",
                prorata_rule="by_days",
                deliberation_number="CS-2026-042",
                deliberation_date=dt.date(2026, 12, 10),
            )
        )
        for key, table in tables.items():
            for start in range(0, len(rows[key]), 5000):
                if rows[key][start : start + 5000]:
                    await conn.execute(insert(table), rows[key][start : start + 5000])
    return {
        "members": n_members,
        "epcis": n_epci,
        "schools": n_schools,
        "subsidies": len(rows["subsidies"]),
        "with_half_days": len(rows["support"]),
    }


def _render_worker(url: str, invoice_ids: list[str], out: Any) -> None:
    """One rendering process: its own event loop and connection pool."""

    async def run() -> dict[str, Any]:
        db = Database(url, pool_size=2)
        seller = seller_from_settings(None)
        size = 0
        cpu0 = time.process_time()
        try:
            for invoice_id in invoice_ids:
                async with UnitOfWork(service="billing", db=db, tables=messaging) as uow:
                    rendered = await render_invoice(invoice_id, DocumentFormat.FACTURX, uow, seller)
                size += len(rendered.content)
        finally:
            await db.dispose()
        return {
            "documents": len(invoice_ids),
            "bytes": size,
            "cpu_s": time.process_time() - cpu0,
            "rss_mb": _rss_mb(),
        }

    out.send(asyncio.run(run()))


async def run_size(n_members: int, workers: int, render_limit: int | None) -> dict[str, Any]:
    name, url = await create_database("bench_campaign")
    db = Database(url)
    try:
        await upgrade(DEFINITION.migrations, db.engine)
        t = time.perf_counter()
        shape = await _seed(db, n_members)
        seed_s = time.perf_counter() - t

        def uow() -> UnitOfWork:
            return UnitOfWork(service="billing", db=db, tables=messaging)

        cpu0, t0 = time.process_time(), time.perf_counter()
        async with uow() as unit:
            campaign = await create_campaign(CreateCampaign(year=YEAR, created_by="bench"), unit)
        compute_s, compute_cpu = time.perf_counter() - t0, time.process_time() - cpu0
        rss_after_compute = _rss_mb()

        cpu0, t0 = time.process_time(), time.perf_counter()
        issued = await issue_campaign(campaign.id, ISSUE_DATE, uow)
        issue_s, issue_cpu = time.perf_counter() - t0, time.process_time() - cpu0
        assert issued.status.value == "issued" and issued.issued_count == campaign.summary.members
        rss_after_issue = _rss_mb()

        async with db.engine.connect() as conn:
            invoice_ids = [
                str(row.invoice_id)
                for row in (
                    await conn.execute(
                        select(contribution_calls.c.invoice_id).order_by(contribution_calls.c.position)
                    )
                ).all()
            ]
        to_render = invoice_ids[:render_limit] if render_limit else invoice_ids
        chunks = [to_render[i::workers] for i in range(workers)]
        context = multiprocessing.get_context("spawn")
        t0 = time.perf_counter()
        pipes, processes = [], []
        for chunk in chunks:
            receiver, sender = context.Pipe(duplex=False)
            process = context.Process(target=_render_worker, args=(url, chunk, sender))
            process.start()
            pipes.append(receiver)
            processes.append(process)
        rendered = [pipe.recv() for pipe in pipes]
        for process in processes:
            process.join()
        render_s = time.perf_counter() - t0
        documents = sum(r["documents"] for r in rendered)
        per_doc = render_s / documents if documents else 0.0
        return {
            "members": n_members,
            "shape": shape,
            "seed_s": round(seed_s, 2),
            "calls": campaign.summary.members,
            "total_called": format(campaign.summary.total, "f"),
            "blocking_members": len(campaign.summary.blocking_members),
            "compute": {
                "s": round(compute_s, 2),
                "cpu_s": round(compute_cpu, 2),
                "calls_per_s": round(campaign.summary.members / compute_s),
            },
            "issue": {
                "s": round(issue_s, 2),
                "cpu_s": round(issue_cpu, 2),
                "invoices_per_s": round(issued.issued_count / issue_s),
            },
            "render": {
                "workers": workers,
                "documents": documents,
                "s": round(render_s, 2),
                "documents_per_s": round(documents / render_s, 1) if render_s else None,
                "ms_per_document_wall": round(per_doc * 1000, 2),
                "cpu_ms_per_document": round(sum(r["cpu_s"] for r in rendered) / documents * 1000, 2)
                if documents
                else None,
                "facturx_bytes_mean": sum(r["bytes"] for r in rendered) // documents if documents else None,
                "worker_peak_rss_mb": [r["rss_mb"] for r in rendered],
                "extrapolated_all_s": round(per_doc * len(invoice_ids), 1),
            },
            "compute_and_issue_s": round(compute_s + issue_s, 2),
            "end_to_end_s_with_all_documents": round(compute_s + issue_s + per_doc * len(invoice_ids), 1),
            "peak_rss_mb": {
                "after_compute": rss_after_compute,
                "after_issue": rss_after_issue,
                "process": _rss_mb(),
            },
        }
    finally:
        await db.dispose()
        await drop_database(name)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--members", type=int, action="append", help="members per run (default 3500 and 35000)"
    )
    parser.add_argument("--workers", type=int, default=2, help="rendering processes (default 2)")
    parser.add_argument("--render-limit", type=int, default=None, help="render only the first N documents")
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)  # a single size, in this process
    args = parser.parse_args(argv)
    if args.one:
        print(json.dumps(asyncio.run(run_size(args.one, args.workers, args.render_limit))))
        return 0
    sizes = args.members or [3500, 35000]
    started = dt.datetime.now(dt.UTC).isoformat()
    load = os.getloadavg()
    results = []
    for n in sizes:
        print(f"{n} members ...", flush=True)
        command = [sys.executable, "-m", "bench.campaign", "--one", str(n), "--workers", str(args.workers)]
        if args.render_limit:
            command += ["--render-limit", str(args.render_limit)]
        done = subprocess.run(command, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            print(done.stderr, file=sys.stderr)
            return 1
        result = json.loads(done.stdout.strip().splitlines()[-1])
        print(
            f"  compute {result['compute']['s']} s, issue {result['issue']['s']} s, render "
            f"{result['render']['documents']} documents in {result['render']['s']} s "
            f"({result['render']['documents_per_s']}/s), peak RSS {result['peak_rss_mb']['process']} MB",
            flush=True,
        )
        results.append(result)
    report = {
        "benchmark": "contribution-campaign",
        "started_at": started,
        "machine": {
            "cpus": os.cpu_count(),
            "platform": platform.platform(),
            "python": sys.version.split()[0],
            "load_average_at_start": load,
        },
        "parameters": {"sizes": sizes, "render_workers": args.workers, "render_limit": args.render_limit},
        "target": "35,000 calls issued with their Factur-X documents in under 120 s on 2 cores",
        "results": results,
    }
    RESULTS_DIR.mkdir(exist_ok=True)
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    text = json.dumps(report, indent=2) + "\n"
    (RESULTS_DIR / f"campaign-{stamp}.json").write_text(text)
    (RESULTS_DIR / "campaign-latest.json").write_text(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
