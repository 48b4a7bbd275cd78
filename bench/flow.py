"""Complete marketplace flows through the public HTTP APIs, the three services as separate processes
on PostgreSQL and RabbitMQ, with the contractor simulator: how many per second, how fast, at what cost.

    python -m bench.flow --rate 20 --duration 60                 # open loop: 20 flows started per second
    python -m bench.flow --closed --concurrency 50 --duration 60 # closed loop: max throughput
    python -m bench.flow --quick                                 # smoke run: 2 flows/s for 10 s

A flow: member registered, adhesion voted → quote created, sent, accepted by the member → PO
transmitted to the contractor (by orders on its own) → service attested → supplier invoice submitted
and matched → member invoice issued. Writes `bench/results/flow-<UTC>.json` and a PNG chart beside it
(`flow-latest.*` too, unless --quick); exits 1 when an invariant of ../shared/ARCHITECTURE.md breaks.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

import asyncpg

from bench import _flow_profile
from bench._flow_timeline import breakdown
from bench.backbone import CpuAccount, latency_summary, machine_info
from shared.clock import paris_today
from tests.e2e.flow import all_pages
from tests.faults.cluster import Cluster, asyncpg_dsn, wait_for
from tests.faults.invariants import check, pending_outbox
from tests.faults.load import Outcome, api_for, closed_loop, open_loop
from tests.faults.resilient import FlowResult, add_catalogue_item
from tests.infra import admin_dsn, create_database, create_vhost, delete_vhost, drop_database

SERVICES = ("members", "orders", "billing")
TARGETS = {
    "flows_per_s": 100,
    "at_20_per_s_acceptance_to_po_transmitted_p99_ms": 100,
    "at_20_per_s_acceptance_to_invoice_issued_p99_ms": 500,
}


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.flow", description=__doc__.splitlines()[0])
    parser.add_argument("--rate", type=float, default=20.0, help="open loop: flows started per second")
    parser.add_argument("--closed", action="store_true", help="closed loop: --concurrency workers")
    parser.add_argument("--concurrency", type=int, default=50)
    parser.add_argument("--duration", type=float, default=60.0, help="seconds of measured load")
    parser.add_argument(
        "--warmup", type=int, default=10, help="flows run first, all at once, and not reported"
    )
    parser.add_argument("--quick", action="store_true", help="2 flows/s for 10 s; leaves flow-latest alone")
    parser.add_argument("--base-port", type=int, default=18300, help="services on +1..+3, contractor +90")
    parser.add_argument("--output", type=Path, default=Path(__file__).parent / "results")
    parser.add_argument(
        "--profile",
        action="store_true",
        help="sample each service process with py-spy during the measured load (raw stacks kept)",
    )
    args = parser.parse_args(argv)
    if args.quick:
        args.closed, args.rate, args.duration, args.warmup = False, 2.0, 10.0, 3
    return args


# ------------------------------------------------------------------------------------------ measures


def _parse(ts: str | dt.datetime | None) -> dt.datetime | None:
    if ts is None or isinstance(ts, dt.datetime):
        return ts
    return dt.datetime.fromisoformat(ts.replace("Z", "+00:00"))


def peak_rss_mb(pid: int) -> float | None:
    """The process's high-water resident set (VmHWM), in MiB."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        return None
    return None


class Party:
    """What `CpuAccount` needs of a process: its pid and the name it is reported under."""

    def __init__(self, pid: int, role: str) -> None:
        self.pid, self.role = pid, role


async def server_timestamps(api: Any, billing_url: str) -> tuple[dict[str, Any], dict[str, dt.datetime]]:
    """POs (with their transmission time) by number, and member invoices' issue time by PO number."""
    purchase_orders = {po["po_number"]: po for po in await all_pages(api.orders, "/v1/purchase-orders")}
    conn = await asyncpg.connect(asyncpg_dsn(billing_url))
    try:
        rows = await conn.fetch("SELECT po_number, issued_at FROM member_invoices")
    finally:
        await conn.close()
    return purchase_orders, {r["po_number"]: r["issued_at"] for r in rows}


def flow_latencies(
    results: list[FlowResult], purchase_orders: dict[str, Any], issued: dict[str, dt.datetime]
) -> list[dict[str, float]]:
    """Per flow, from the servers' own clocks (one machine): acceptance → PO transmitted and →
    member invoice issued; plus the flow's start (client clock) to place it on the time axis."""
    out = []
    for r in results:
        accepted = _parse(r.accepted_at)
        transmitted = _parse(
            purchase_orders.get(r.po_number, {}).get("transmission", {}).get("transmitted_at")
        )
        invoiced = issued.get(r.po_number)
        if invoiced is not None and invoiced.tzinfo is None:
            invoiced = invoiced.replace(tzinfo=dt.UTC)
        if accepted is None or transmitted is None or invoiced is None:
            continue
        out.append(
            {
                "started": r.started,
                "finished": r.finished,
                "to_po_transmitted_s": (transmitted - accepted).total_seconds(),
                "to_invoice_issued_s": (invoiced - accepted).total_seconds(),
                "flow_s": r.finished - r.started,
            }
        )
    return out


def throughput_series(results: list[FlowResult], t0: float) -> list[int]:
    """Flows completed in each second since t0."""
    if not results:
        return []
    per_second = Counter(int(r.finished - t0) for r in results)
    return [per_second.get(s, 0) for s in range(max(per_second) + 1)]


def chart(
    report: dict[str, Any], latencies: list[dict[str, float]], series: list[int], t0: float, path: Path
) -> bool:
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("matplotlib is not installed (pip install -e '.[dev]'): no chart", file=sys.stderr)
        return False
    fig, (top, bottom) = plt.subplots(2, 1, figsize=(10, 7), sharex=True)
    xs = [entry["started"] - t0 for entry in latencies]
    top.scatter(
        xs, [e["to_invoice_issued_s"] * 1000 for e in latencies], s=6, label="acceptance → invoice issued"
    )
    top.scatter(
        xs, [e["to_po_transmitted_s"] * 1000 for e in latencies], s=6, label="acceptance → PO transmitted"
    )
    top.set_yscale("log")
    top.set_ylabel("latency (ms, log)")
    top.legend(loc="upper left")
    top.grid(True, which="both", alpha=0.3)
    bottom.bar(range(len(series)), series, width=1.0, align="edge", color="tab:green")
    bottom.set_ylabel("complete flows / s")
    bottom.set_xlabel("seconds since the measured load started (x: flow start / completion)")
    bottom.grid(True, alpha=0.3)
    params = report["parameters"]
    mode = (
        f"closed loop, {params['concurrency']} workers"
        if params["closed"]
        else f"open loop, {params['rate']}/s"
    )
    summary = report["summary"]
    fig.suptitle(
        f"bench.flow — {mode}, {params['duration_s']:.0f} s — {summary['complete_flows_per_s']} flows/s, "
        f"invoice p99 {summary['acceptance_to_invoice_issued']['p99_ms']} ms  ({report['finished_at']})",
        fontsize=10,
    )
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return True


# ------------------------------------------------------------------------------------------------ run


async def run(args: argparse.Namespace) -> dict[str, Any]:
    machine = await machine_info(admin_dsn())
    databases = {s: await create_database(f"ent_bench_flow_{s}") for s in SERVICES}
    vhost, amqp_url = create_vhost()
    workdir = Path(tempfile.mkdtemp(prefix="bench-flow-"))
    base = args.base_port
    cluster = Cluster(
        database_urls={s: url for s, (_, url) in databases.items()},
        amqp_url=amqp_url,
        key_dir=workdir / "keys",
        log_dir=workdir / "logs",
        layout={s: (s, base + 1 + i, "api,relay,consumers") for i, s in enumerate(SERVICES)},
        contractor_port=base + 90,
        # The bench's settings: the defaults of a production process, quiet logs.
        extra_env={"ENT_RETRY_DELAY_MS": "2000", "ENT_MAX_ATTEMPTS": "5"},
    )
    try:
        await asyncio.to_thread(cluster.start_all)
        connections = max(100, 3 * args.concurrency if args.closed else int(args.rate * 10))
        async with api_for(
            cluster, key_dir=cluster.key_dir, connections=connections, step_timeout=120
        ) as api:
            await add_catalogue_item(api)
            today = paris_today()
            warm = (
                await closed_loop(api, concurrency=args.warmup, duration=0.01, today=today)
                if args.warmup
                else Outcome()
            )
            first_seed = 1_000
            parties = [Party(pid, name) for name, pid in cluster.pids().items()]
            if cluster.contractor is not None:
                parties.append(Party(cluster.contractor.pid, "contractor"))
            cpu = CpuAccount(parties)  # type: ignore[arg-type]
            profile_dir = args.output / f"flow-profile-{dt.datetime.now(dt.UTC).strftime('%Y%m%dT%H%M%SZ')}"
            spies = _flow_profile.start(cluster.pids(), args.duration, profile_dir) if args.profile else []
            t0 = time.time()
            if args.closed:
                outcome = await closed_loop(
                    api,
                    concurrency=args.concurrency,
                    duration=args.duration,
                    first_seed=first_seed,
                    today=today,
                )
            else:
                outcome = await open_loop(
                    api, rate=args.rate, duration=args.duration, first_seed=first_seed, today=today
                )
            cpu_report = cpu.finish()
            profiles = _flow_profile.finish(spies, profile_dir)
            peak = {name: peak_rss_mb(pid) for name, pid in cluster.pids().items()}

            async def drained() -> bool:
                return not any((await pending_outbox(cluster.database_urls)).values())

            await wait_for(drained, timeout=120, what="every outbox row published")
            verdict = await check(
                results=warm.results + outcome.results,
                flows_started=warm.started + outcome.started,
                orders=api.orders,
                billing=api.billing,
                contractor_url=cluster.contractor_url,
                database_urls=cluster.database_urls,
                amqp_url=amqp_url,
            )
            purchase_orders, issued = await server_timestamps(api, cluster.database_urls["billing"])
            legs = await breakdown(
                asyncpg_dsn(cluster.database_urls["orders"]),
                asyncpg_dsn(cluster.database_urls["billing"]),
                {r.po_number for r in outcome.results},
            )
            retries = dict(api.retries)
    finally:
        await asyncio.to_thread(cluster.stop_all)
        for name, _ in databases.values():
            await drop_database(name)
        delete_vhost(vhost)

    done = sorted(outcome.results, key=lambda r: r.started)
    latencies = flow_latencies(done, purchase_orders, issued)
    window = (max(r.finished for r in done) - min(r.started for r in done)) if done else 0.0
    flows_per_s = round(len(done) / window, 2) if window else 0.0
    steps = sorted(
        {name for r in done for name in r.steps},
        key=lambda n: list(done[0].steps).index(n) if done and n in done[0].steps else 99,
    )
    cpu_services = sum(v for k, v in cpu_report["cpu_s"].items() if k in cluster.instances)
    # The system under test: the services, the contractor simulator, PostgreSQL and RabbitMQ (not the
    # load driver, `orchestrator`, nor `other` processes of the machine).
    system = {*cluster.instances, "contractor", "postgresql", "rabbitmq"}
    cpu_all = sum(v for k, v in cpu_report["cpu_s"].items() if k in system)
    report: dict[str, Any] = {
        "benchmark": "flow",
        "finished_at": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": machine,
        "parameters": {
            "closed": args.closed,
            "rate": None if args.closed else args.rate,
            "concurrency": args.concurrency if args.closed else None,
            "duration_s": args.duration,
            "warmup_flows": warm.started,
            "processes": {name: inst.roles for name, inst in cluster.instances.items()},
            "contractor_ack_delay_s": 0.5,
            "settings": cluster.env() | {"ENT_AMQP_URL": "(throwaway vhost)"},
        },
        "summary": {
            "complete_flows": len(done),
            "failed_flows": len(outcome.failures),
            "complete_flows_per_s": flows_per_s,
            "acceptance_to_po_transmitted": latency_summary([e["to_po_transmitted_s"] for e in latencies]),
            "acceptance_to_invoice_issued": latency_summary([e["to_invoice_issued_s"] for e in latencies]),
            "flow_duration": latency_summary([e["flow_s"] for e in latencies]),
            "cpu_s_per_flow_services": round(cpu_services / len(done), 4) if done else None,
            "cpu_s_per_flow_system": round(cpu_all / len(done), 4) if done else None,
            "cpu_s_per_flow_load_driver": round(cpu_report["cpu_s"].get("orchestrator", 0.0) / len(done), 4)
            if done
            else None,
            "peak_rss_mb": peak,
            "invariants_ok": not verdict.violations and not verdict.parked and not outcome.failures,
            "targets": TARGETS,
        },
        "results": {
            "asynchronous_legs": legs,
            "profiles": profiles,
            "per_step": {
                name: latency_summary([r.steps[name] for r in done if name in r.steps]) for name in steps
            },
            "throughput_per_second": throughput_series(done, t0),
            "cpu": cpu_report,
            "client_retries": retries,
            "failures": dict(list(outcome.failures.items())[:20]),
            "verification": {
                "counts": verdict.counts,
                "violations": verdict.violations[:50],
                "parked": verdict.parked[:50],
            },
        },
    }
    report["_latencies"] = latencies
    report["_t0"] = t0
    return report


def print_table(report: dict[str, Any]) -> None:
    s = report["summary"]
    p = report["parameters"]
    mode = f"closed loop, {p['concurrency']} workers" if p["closed"] else f"open loop at {p['rate']} flows/s"
    print(f"\nbench.flow — {mode} for {p['duration_s']:.0f} s on {report['machine']['cpu_count']} cores")
    print(f"{'complete flows':<40} {s['complete_flows']} ({s['failed_flows']} failed)")
    print(f"{'complete flows/s':<40} {s['complete_flows_per_s']}")
    for name in ("acceptance_to_po_transmitted", "acceptance_to_invoice_issued", "flow_duration"):
        lat = s[name]
        print(
            f"{name:<40} p50 {lat['p50_ms']} ms  p95 {lat['p95_ms']} ms  "
            f"p99 {lat['p99_ms']} ms  max {lat['max_ms']} ms"
        )
    print(
        f"{'CPU s per flow (services / system)':<40} "
        f"{s['cpu_s_per_flow_services']} / {s['cpu_s_per_flow_system']} "
        f"(load driver {s['cpu_s_per_flow_load_driver']})"
    )
    print(f"{'peak RSS MiB':<40} {s['peak_rss_mb']}")
    print("per step (client side):")
    for name, lat in report["results"]["per_step"].items():
        print(f"  {name:<38} p50 {lat['p50_ms']} ms  p95 {lat['p95_ms']} ms  p99 {lat['p99_ms']} ms")
    print("asynchronous legs (server timestamps, p50 / p99 ms):")
    for flow_leg, legs in report["results"]["asynchronous_legs"].items():
        parts = [f"{name} {lat['p50_ms']}/{lat['p99_ms']}" for name, lat in legs.items()]
        print(f"  {flow_leg}: " + ", ".join(parts))
    for process, profile in report["results"]["profiles"].items():
        areas = ", ".join(f"{a} {v:.0%}" for a, v in list(profile.get("by_area_self", {}).items())[:8])
        print(f"  profile {process} ({profile.get('samples', 0)} samples, self time): {areas}")
    verification = report["results"]["verification"]
    print(f"invariants: {'OK' if s['invariants_ok'] else 'FAILED'} {verification['counts']}")
    for problem in verification["violations"][:10]:
        print(f"  VIOLATION {problem}")
    for parked in verification["parked"][:10]:
        print(f"  PARKED {parked}")


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    report = asyncio.run(run(args))
    latencies, t0 = report.pop("_latencies"), report.pop("_t0")
    args.output.mkdir(parents=True, exist_ok=True)
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    name = f"flow-{stamp}{'-quick' if args.quick else ''}"
    png = args.output / f"{name}.png"
    report["chart"] = (
        png.name if chart(report, latencies, report["results"]["throughput_per_second"], t0, png) else None
    )
    text = json.dumps(report, indent=2, default=str) + "\n"
    (args.output / f"{name}.json").write_text(text)
    if not args.quick:
        (args.output / "flow-latest.json").write_text(text)
        if report["chart"]:
            (args.output / "flow-latest.png").write_bytes(png.read_bytes())
    print_table(report)
    print(f"\nresults: {args.output / (name + '.json')}" + (f" and {png}" if report["chart"] else ""))
    return 0 if report["summary"]["invariants_ok"] else 1


if __name__ == "__main__":
    os.environ.setdefault("ENT_LOG_LEVEL", "WARNING")
    sys.exit(main())
