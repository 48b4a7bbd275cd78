"""Benchmark: issue and render N member invoices (billing), Factur-X, validation off then on.

    .venv/bin/python -m bench.billing_documents                 # N = 1,000 then 10,000
    .venv/bin/python -m bench.billing_documents --n 1000        # one size (repeatable: --n 1000 --n 5000)

Per invoice, as in production: a matched supplier invoice is received (`submit_supplier_invoice`, its own
transaction), then rebilled (`rebill_supplier_invoice`: gapless number, member invoice, outbox event, its
own transaction), then rendered as Factur-X (reportlab PDF + CII XML + factur-x PDF/A-3 embedding).
Phase `validation_off` renders with `check_xsd=False`; phase `validation_on` runs the Factur-X XSD check
in the generation and the official EN 16931 schematron (CII, saxonche) on every XML, failing the run on
any fatal finding. Each phase gets its own throwaway PostgreSQL database (the seeded POs and
attestations are not timed). Results: bench/results/billing-documents-<UTC>.json and -latest.json.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import platform
import statistics
import sys
import time
import uuid
from decimal import Decimal
from pathlib import Path
from typing import Any

from services.billing.adapters.documents.cii import cii_xml
from services.billing.adapters.read_models import AttestationRepository, PurchaseOrderRepository
from services.billing.adapters.tables import messaging
from services.billing.bootstrap import DEFINITION
from services.billing.domain.documents import invoice_document
from services.billing.domain.lines import Address, Buyer, Line
from services.billing.domain.matching import MatchingPolicy
from services.billing.domain.purchase_order import PurchaseOrder
from services.billing.entrypoints.seller import seller_from_settings
from services.billing.use_cases.documents import DocumentFormat, render
from services.billing.use_cases.rebilling import RebillSupplierInvoice, rebill_supplier_invoice
from services.billing.use_cases.supplier_invoices import SubmitSupplierInvoice, submit_supplier_invoice
from shared.db import Database
from shared.migrations import upgrade
from shared.uow import UnitOfWork
from tests.billing.en16931 import compile_once, fatal_findings
from tests.infra import create_database, drop_database

RESULTS_DIR = Path(__file__).resolve().parent / "results"
TODAY = dt.date(2026, 11, 28)
BUYER = Buyer(
    member_id="bench-member",
    name="Communauté d'agglomération du Douaisis",
    siren="200044618",
    siret="20004461800019",
    address=Address("746 rue Jean Perrin", "59500", "Douai"),
    service_code="SERV-NUM",
    chorus_requirement="both",
)
LINES = (
    Line(
        1,
        "BPU-LIC-ENT",
        "Licence ENT ONE, école élémentaire",
        "unit",
        Decimal(10),
        Decimal("125.00"),
        "S",
        Decimal("20.00"),
    ),
    Line(
        2,
        "BPU-FORM-ADM",
        "Formation des administrateurs (demi-journée)",
        "unit",
        Decimal(2),
        Decimal("450.00"),
        "S",
        Decimal("20.00"),
    ),
    Line(
        3,
        "CAT-APP-PACK",
        "Pack ressources numériques",
        "unit",
        Decimal(3),
        Decimal("33.335"),
        "S",
        Decimal("5.50"),
    ),
)


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def _summary(values: list[float]) -> dict[str, float]:
    return {
        "mean_ms": round(statistics.fmean(values) * 1000, 3),
        "p50_ms": round(_pct(values, 0.50) * 1000, 3),
        "p95_ms": round(_pct(values, 0.95) * 1000, 3),
        "max_ms": round(max(values) * 1000, 3),
    }


async def _seed(db: Database, n: int) -> list[str]:
    """N POs known to billing, each attested as done in full (not timed)."""
    numbers = []
    uow = UnitOfWork(service="billing", db=db, tables=messaging)
    async with uow:
        for i in range(n):
            po_number = f"BC-BENCH-{i:06d}"
            order = PurchaseOrder(
                id=str(uuid.uuid4()),
                po_number=po_number,
                quote_number=f"DEV-BENCH-{i:06d}",
                member_id=BUYER.member_id,
                commitment_number=f"EJ-{i:08d}",
                issued_on=TODAY,
                buyer=BUYER,
                lines=LINES,
                total_excl_tax=Decimal("2250.01"),
            )
            await PurchaseOrderRepository(uow.session).add_if_new(order, str(uuid.uuid4()))
            await AttestationRepository(uow.session).add_if_new(
                attestation_id=str(uuid.uuid4()),
                po_number=po_number,
                attested_on=TODAY,
                attested_by="bench",
                quantities={line.line_no: line.quantity for line in LINES},
            )
            numbers.append(po_number)
        await uow.commit()
    return numbers


async def run_phase(n: int, *, validate: bool) -> dict[str, Any]:
    name, url = await create_database("bench_billing")
    db = Database(url)
    try:
        await upgrade(DEFINITION.migrations, db.engine)
        pos = await _seed(db, n)
        seller = seller_from_settings(None)
        policy = MatchingPolicy()
        if validate:
            compile_once("CII")  # compiled once, before the clock starts (as a validation service would)
        issue_s: list[float] = []
        render_s: list[float] = []
        validate_s: list[float] = []
        sizes: list[int] = []
        fatal = 0
        cpu0, wall0 = time.process_time(), time.perf_counter()
        for i, po_number in enumerate(pos):
            t0 = time.perf_counter()
            async with UnitOfWork(service="billing", db=db, tables=messaging) as uow:
                supplier = await submit_supplier_invoice(
                    SubmitSupplierInvoice(
                        supplier_invoice_number=f"TIT-BENCH-{i:06d}",
                        po_number=po_number,
                        issue_date=TODAY,
                        lines=LINES,
                        total_excl_tax=Decimal("2250.01"),
                        received_on=TODAY,
                    ),
                    uow,
                    policy=policy,
                )
            async with UnitOfWork(service="billing", db=db, tables=messaging) as uow:
                invoice = await rebill_supplier_invoice(RebillSupplierInvoice(supplier.id, TODAY), uow)
                await uow.commit()
            assert invoice is not None
            t1 = time.perf_counter()
            rendered = render(invoice_document(invoice, seller), DocumentFormat.FACTURX, check_xsd=validate)
            t2 = time.perf_counter()
            if validate:
                fatal += len(fatal_findings(cii_xml(invoice_document(invoice, seller)), "CII"))
                validate_s.append(time.perf_counter() - t2)
            issue_s.append(t1 - t0)
            render_s.append(t2 - t1)
            sizes.append(len(rendered.content))
        wall = time.perf_counter() - wall0
        cpu = time.process_time() - cpu0
        return {
            "n": n,
            "validation": validate,
            "elapsed_s": round(wall, 3),
            "invoices_per_s": round(n / wall, 2),
            "wall_ms_per_invoice": round(wall / n * 1000, 3),
            "bench_process_cpu_ms_per_invoice": round(cpu / n * 1000, 3),
            "issue": _summary(issue_s),
            "render_facturx": _summary(render_s),
            "validate_en16931": _summary(validate_s) if validate_s else None,
            "facturx_bytes_mean": int(statistics.fmean(sizes)),
            "fatal_findings": fatal,
        }
    finally:
        await db.dispose()
        await drop_database(name)


async def main_async(sizes: list[int]) -> dict[str, Any]:
    results = []
    for n in sizes:
        for validate in (False, True):
            print(f"n={n} validation={'on' if validate else 'off'} ...", flush=True)
            phase = await run_phase(n, validate=validate)
            print(
                f"  {phase['invoices_per_s']} invoices/s, {phase['wall_ms_per_invoice']} ms/invoice "
                f"(issue p50 {phase['issue']['p50_ms']} ms, render p50 {phase['render_facturx']['p50_ms']} ms"
                + (f", EN 16931 p50 {phase['validate_en16931']['p50_ms']} ms" if validate else "")
                + ")",
                flush=True,
            )
            results.append(phase)
    return {
        "benchmark": "billing-documents",
        "started_at": dt.datetime.now(dt.UTC).isoformat(),
        "machine": {
            "cpus": os.cpu_count(),
            "platform": platform.platform(),
            "python": sys.version.split()[0],
            "load_average_at_start": os.getloadavg(),
        },
        "parameters": {"sizes": sizes, "lines_per_invoice": len(LINES), "sequential": True},
        "results": results,
        "guarantees_verified": all(r["fatal_findings"] == 0 for r in results),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--n", type=int, action="append", help="invoices per phase (default: 1000 and 10000)")
    args = parser.parse_args(argv)
    sizes = args.n or [1000, 10000]
    report = asyncio.run(main_async(sizes))
    RESULTS_DIR.mkdir(exist_ok=True)
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    text = json.dumps(report, indent=2, default=str) + "\n"
    (RESULTS_DIR / f"billing-documents-{stamp}.json").write_text(text)
    (RESULTS_DIR / "billing-documents-latest.json").write_text(text)
    print(f"guarantees: {'verified' if report['guarantees_verified'] else 'FAILED'}")
    return 0 if report["guarantees_verified"] else 1


if __name__ == "__main__":
    raise SystemExit(main())
