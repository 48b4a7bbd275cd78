"""Backbone benchmark: events through outbox -> RabbitMQ -> inbox between two services, against a raw
aio-pika publish-confirm / consume loop on the same broker, in the same run.

    .venv/bin/python -m bench.backbone [--events 20000] [--rate 200] [--duration 20] [--quick]

Needs PostgreSQL and RabbitMQ as the tests do (see tests/infra.py; `rabbitmqctl` must work). Creates two
throwaway databases and a throwaway vhost, drops them at the end. Every producer and consumer runs in
its own OS process. Results: bench/results/backbone-<UTC timestamp>.json and backbone-latest.json.
See bench/README.md for how to read them.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import importlib.metadata
import json
import multiprocessing as mp
import os
import platform
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import aio_pika
import asyncpg
from sqlalchemy.ext.asyncio import create_async_engine

from bench._workers import (
    BENCH_QUEUE,
    RAW_QUEUE,
    BenchPinged,
    consumer_metadata,
    producer_metadata,
    worker_entry,
)
from shared.contracts.envelope import Envelope
from tests.infra import (
    PG_HOST,
    PG_PORT,
    PG_USER,
    create_database,
    create_vhost,
    delete_vhost,
    drop_database,
    rabbitmqctl,
)

RESULTS_DIR = Path(__file__).resolve().parent / "results"
TARGET_THROUGHPUT = 1000.0
TARGET_P99_MS = 50.0


# ----------------------------------------------------------------------------------------- statistics


def percentile(sorted_values: list[float], q: float) -> float:
    """Nearest-rank percentile of an already sorted list."""
    if not sorted_values:
        return float("nan")
    rank = max(1, min(len(sorted_values), int(-(-q * len(sorted_values) // 100))))
    return sorted_values[rank - 1]


def latency_summary(values_s: list[float]) -> dict[str, float]:
    ms = sorted(v * 1000 for v in values_s)
    return {
        "count": len(ms),
        "p50_ms": round(percentile(ms, 50), 2),
        "p90_ms": round(percentile(ms, 90), 2),
        "p95_ms": round(percentile(ms, 95), 2),
        "p99_ms": round(percentile(ms, 99), 2),
        "max_ms": round(ms[-1], 2) if ms else float("nan"),
        "mean_ms": round(sum(ms) / len(ms), 2) if ms else float("nan"),
    }


# ------------------------------------------------------------------------------------------ processes


class Worker:
    """One spawned OS process running a `bench._workers` role, driven by commands over a pipe."""

    def __init__(self, role: str, config: dict[str, Any]) -> None:
        ctx = mp.get_context("spawn")
        self.role = role
        self.conn, child = ctx.Pipe()
        self.process = ctx.Process(
            target=worker_entry, args=(role, child, config), name=f"bench-{role}", daemon=True
        )
        self.pid: int | None = None

    async def start(self) -> None:
        self.process.start()
        ready = await self._reply()
        self.pid = ready["pid"]

    async def _reply(self) -> Any:
        status, value = await asyncio.get_running_loop().run_in_executor(None, self.conn.recv)
        if status != "ok":
            raise RuntimeError(f"{self.role} failed:\n{value}")
        return value

    async def call(self, command: str, **kwargs: Any) -> Any:
        self.conn.send((command, kwargs))
        return await self._reply()

    async def stop(self) -> None:
        if self.process.is_alive():
            try:
                await asyncio.wait_for(self.call("stop"), timeout=30)
            except Exception as exc:
                print(f"  ! {self.role} did not stop cleanly: {exc!r}", file=sys.stderr)
        self.process.join(timeout=10)
        if self.process.is_alive():
            self.process.terminate()
            self.process.join(timeout=5)


class Profiler:
    """Optional py-spy sampling of the worker processes during one phase (collapsed stacks)."""

    def __init__(self, directory: Path | None) -> None:
        self.directory = directory
        self.procs: list[subprocess.Popen[bytes]] = []
        self.files: list[str] = []

    def start(self, phase: str, workers: list[Worker]) -> None:
        if self.directory is None:
            return
        binary = shutil.which("py-spy") or str(Path(sys.executable).parent / "py-spy")
        if not Path(binary).exists():
            print("  ! --profile needs py-spy (.venv/bin/pip install py-spy); not profiling", file=sys.stderr)
            self.directory = None
            return
        self.directory.mkdir(parents=True, exist_ok=True)
        for worker in workers:
            out = self.directory / f"{phase}-{worker.role}.txt"
            self.files.append(str(out))
            self.procs.append(
                subprocess.Popen(
                    [
                        binary,
                        "record",
                        "--pid",
                        str(worker.pid),
                        "--format",
                        "raw",
                        "--rate",
                        "200",
                        "--nonblocking",
                        "--output",
                        str(out),
                    ],
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                )
            )

    def stop(self) -> None:
        for proc in self.procs:
            proc.send_signal(2)  # SIGINT: py-spy writes its output and exits
        for proc in self.procs:
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
        self.procs.clear()


class CpuAccount:
    """CPU seconds used by each party during a phase, from /proc (Linux): where the 2 cores went."""

    def __init__(self, workers: list[Worker]) -> None:
        self.names = {w.pid: w.role for w in workers}
        self.tick = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
        self.start_ticks = self._snapshot()
        self.start_stat = self._cpu_stat()
        self.started = time.monotonic()

    @staticmethod
    def _cpu_stat() -> list[int]:
        try:
            first = Path("/proc/stat").read_text().splitlines()[0].split()
            return [int(v) for v in first[1:9]]  # user nice system idle iowait irq softirq steal
        except (OSError, ValueError, IndexError):
            return []

    def _snapshot(self) -> dict[int, tuple[str, int]]:
        out: dict[int, tuple[str, int]] = {}
        for entry in Path("/proc").iterdir() if Path("/proc/self/stat").exists() else []:
            if not entry.name.isdigit():
                continue
            try:
                raw = (entry / "stat").read_text()
            except OSError:
                continue
            comm = raw[raw.index("(") + 1 : raw.rindex(")")]
            fields = raw[raw.rindex(")") + 2 :].split()
            out[int(entry.name)] = (comm, int(fields[11]) + int(fields[12]))  # utime + stime
        return out

    def finish(self) -> dict[str, Any]:
        wall = time.monotonic() - self.started
        end = self._snapshot()
        groups: dict[str, float] = {}
        for pid, (comm, ticks) in end.items():
            before = self.start_ticks.get(pid, (comm, 0))[1]
            used = (ticks - before) / self.tick
            if used <= 0:
                continue
            if pid in self.names:
                name = self.names[pid]
            elif comm.startswith("postgres"):
                name = "postgresql"
            elif comm.startswith(("beam", "erl", "epmd", "inet_gethost")):
                name = "rabbitmq"
            elif pid == os.getpid():
                name = "orchestrator"
            else:
                name = "other"
            groups[name] = groups.get(name, 0.0) + used
        cores = os.cpu_count() or 1
        machine: dict[str, float] = {}
        stat = self._cpu_stat()
        if stat and self.start_stat:
            delta = [b - a for a, b in zip(self.start_stat, stat, strict=True)]
            total = sum(delta) or 1
            machine = {
                "idle": round((delta[3] + delta[4]) / total, 3),
                "steal": round(delta[7] / total, 3),
                "busy": round((total - delta[3] - delta[4] - delta[7]) / total, 3),
            }
        return {
            "machine_time_fractions": machine,
            "wall_s": round(wall, 2),
            "cpu_s": {k: round(v, 2) for k, v in sorted(groups.items(), key=lambda kv: -kv[1])},
            "busy_fraction_of_all_cores": round(sum(groups.values()) / (wall * cores), 3)
            if wall > 0
            else None,
        }


# --------------------------------------------------------------------------------------------- phases


def _throughput(
    count: int, t_start: float, records: list[tuple[int, float, float, float]], t_emitted: float
) -> dict[str, Any]:
    t_last = max(r[1] for r in records) if records else float("nan")
    elapsed = t_last - t_start
    return {
        "events": count,
        "effects": len(records),
        "elapsed_s": round(elapsed, 3),
        "events_per_s": round(len(records) / elapsed, 1) if elapsed > 0 else None,
        "producer_side_s": round(t_emitted - t_start, 3),
        "producer_side_per_s": round(count / (t_emitted - t_start), 1) if t_emitted > t_start else None,
        "latency_under_load": latency_summary([r[1] - r[2] for r in records]),
    }


def _relay_stats(passes: list[tuple[float, int]], t_start: float) -> dict[str, Any]:
    sizes = [n for _, n in passes]
    return {
        "published_by_s": round(max(t for t, _ in passes) - t_start, 3) if passes else None,
        "passes": len(passes),
        "mean_batch": round(sum(sizes) / len(sizes), 1) if sizes else 0,
        "max_batch": max(sizes) if sizes else 0,
    }


async def burst_phase(
    consumer: Worker, producer: Worker, phase: str, count: int, timeout: float, **producer_args: Any
) -> dict[str, Any]:
    cpu = CpuAccount([consumer, producer])
    collect = asyncio.create_task(consumer.call("collect", phase=phase, expected=count, timeout=timeout))
    sent = await producer.call("burst", phase=phase, count=count, **producer_args)
    got = await collect
    result = _throughput(count, sent["t_start"], got["records"], sent["t_emitted"])
    result["cpu"] = cpu.finish()
    result["repeats_seen"] = got["repeats"]
    if producer.role == "bb-producer":
        result["relay"] = _relay_stats(await producer.call("relay_passes"), sent["t_start"])
    return result


async def rate_phase(
    consumer: Worker, producer: Worker, phase: str, rate: float, duration: float, warmup_s: float
) -> dict[str, Any]:
    count = int(rate * duration)
    cpu = CpuAccount([consumer, producer])
    collect = asyncio.create_task(
        consumer.call("collect", phase=phase, expected=count, timeout=duration + 120)
    )
    sent = await producer.call("rate", phase=phase, rate=rate, duration=duration)
    got = await collect
    # Drop the first `warmup_s` seconds (pool connections opening, caches warming): steady state only.
    skip = int(rate * warmup_s)
    steady = [r for r in got["records"] if r[0] >= skip]
    result: dict[str, Any] = {
        "rate_per_s": rate,
        "duration_s": duration,
        "events": count,
        "effects": got["received"],
        "repeats_seen": got["repeats"],
        "warmup_excluded_s": warmup_s,
        "publish_to_effect": latency_summary([r[1] - r[2] for r in steady]),
        "scheduled_to_effect": latency_summary([r[1] - r[3] for r in steady]),
        "max_schedule_lag_ms": round(sent["max_schedule_lag_s"] * 1000, 2),
        "cpu": cpu.finish(),
    }
    if producer.role == "bb-producer":
        result["relay"] = _relay_stats(await producer.call("relay_passes"), sent["t_start"])
    return result


# ------------------------------------------------------------------------------------------- machine


async def machine_info(admin_dsn: str) -> dict[str, Any]:
    conn = await asyncpg.connect(admin_dsn)
    try:
        pg_version = await conn.fetchval("SHOW server_version")
        pg_settings = {
            name: await conn.fetchval(f"SHOW {name}")
            for name in ("synchronous_commit", "fsync", "shared_buffers", "max_connections")
        }
    finally:
        await conn.close()
    try:
        rabbit_version = rabbitmqctl("version").strip()
    except Exception as exc:
        rabbit_version = f"unknown ({exc})"
    libs = {}
    for name in ("aio-pika", "aiormq", "asyncpg", "sqlalchemy", "pydantic", "uvloop"):
        try:
            libs[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            libs[name] = None
    cpu_model = None
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu_model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {
        "cpu_count": os.cpu_count(),
        "cpu_model": cpu_model,
        "platform": platform.platform(),
        "python": platform.python_version(),
        "postgresql": pg_version,
        "postgresql_settings": pg_settings,
        "rabbitmq": rabbit_version,
        "libraries": libs,
        "load_average_at_start": os.getloadavg(),
    }


async def verify(
    producer_dsn: str, consumer_dsn: str, amqp_url: str, expected: dict[str, int]
) -> dict[str, Any]:
    """The guarantees, checked after the run: every effect exactly once, every outbox row sent."""
    problems: list[str] = []
    conn = await asyncpg.connect(consumer_dsn)
    try:
        rows = await conn.fetch(
            "SELECT phase, count(*) AS n, count(DISTINCT seq) AS d, min(seq) AS lo, "
            "max(seq) AS hi FROM bench_effects GROUP BY phase"
        )
        inbox = await conn.fetchval("SELECT count(*) FROM inbox")
    finally:
        await conn.close()
    by_phase = {r["phase"]: dict(r) for r in rows}
    for phase, n in expected.items():
        got = by_phase.get(phase)
        if got is None or got["n"] != n or got["d"] != n or got["lo"] != 0 or got["hi"] != n - 1:
            problems.append(f"phase {phase}: expected {n} distinct effects 0..{n - 1}, got {got}")
    total = sum(expected.values())
    if inbox != total:
        problems.append(f"inbox holds {inbox} rows, expected {total}")
    conn = await asyncpg.connect(producer_dsn)
    try:
        outbox_total = await conn.fetchval("SELECT count(*) FROM outbox")
        outbox_pending = await conn.fetchval("SELECT count(*) FROM outbox WHERE sent_at IS NULL")
        outbox_failed = await conn.fetchval("SELECT count(*) FROM outbox WHERE attempts > 0")
        # Relay lag per phase: from the row's insert to the broker's confirm (sent_at is set just after).
        lag_rows = await conn.fetch(
            "SELECT (body::json -> 'payload' ->> 'phase') AS phase, "
            "extract(epoch FROM sent_at - created_at) AS lag FROM outbox WHERE sent_at IS NOT NULL"
        )
    finally:
        await conn.close()
    relay_lag: dict[str, list[float]] = {}
    for r in lag_rows:
        relay_lag.setdefault(r["phase"], []).append(float(r["lag"]))
    if outbox_total != total or outbox_pending != 0:
        problems.append(f"outbox: {outbox_total} rows, {outbox_pending} pending, expected {total} all sent")
    queues: dict[str, int] = {}
    try:
        # A passive declare gives the exact count now (list_queues figures of quorum queues lag).
        connection = await aio_pika.connect(amqp_url)
        try:
            for name in (BENCH_QUEUE.name, BENCH_QUEUE.retry_queue, BENCH_QUEUE.parking_queue, RAW_QUEUE):
                channel = await connection.channel()
                try:
                    queue = await channel.declare_queue(name, passive=True)
                    queues[name] = queue.declaration_result.message_count or 0
                except aio_pika.exceptions.ChannelClosed:
                    pass  # not declared in this run (--skip-raw)
        finally:
            await connection.close()
    except Exception as exc:
        problems.append(f"could not count queued messages: {exc!r}")
    leftover = {name: n for name, n in queues.items() if n}
    if leftover:
        problems.append(f"messages left in queues (parked or unconsumed): {leftover}")
    return {
        "ok": not problems,
        "problems": problems,
        "effects_by_phase": {p: {"rows": r["n"], "distinct": r["d"]} for p, r in by_phase.items()},
        "inbox_rows": inbox,
        "outbox_rows": outbox_total,
        "outbox_pending": outbox_pending,
        "outbox_rows_with_failed_attempts": outbox_failed,
        "queues": queues,
        "relay_lag_by_phase": {p: latency_summary(v) for p, v in relay_lag.items()},
    }


# ---------------------------------------------------------------------------------------------- main


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.backbone", description=__doc__.split("\n")[0])
    parser.add_argument("--events", type=int, default=20_000, help="events in each max-throughput phase")
    parser.add_argument("--rate", type=float, default=200.0, help="open-loop rate of the latency phases (/s)")
    parser.add_argument("--duration", type=float, default=20.0, help="length of the latency phases (s)")
    parser.add_argument("--quick", action="store_true", help="smoke run: 1,000 events, 3 s latency phases")
    parser.add_argument(
        "--concurrency",
        type=int,
        default=16,
        help="concurrent requests emitting in the throughput phase (each its own transaction)",
    )
    parser.add_argument(
        "--per-tx",
        type=int,
        default=10,
        help="events per transaction in the batched-transaction variant (0 to skip it)",
    )
    parser.add_argument("--relay-batch-size", type=int, default=200, help="ServiceRuntime.relay_batch_size")
    parser.add_argument(
        "--relay-poll-interval", type=float, default=0.5, help="ServiceRuntime.relay_poll_interval"
    )
    parser.add_argument("--prefetch", type=int, default=32, help="ServiceRuntime.consumer_prefetch")
    parser.add_argument("--pool-size", type=int, default=10, help="Database(pool_size=) of each service")
    parser.add_argument("--raw-window", type=int, default=100, help="raw loop: publishes awaited together")
    parser.add_argument("--raw-prefetch", type=int, default=100, help="raw loop: consumer prefetch")
    parser.add_argument(
        "--loop",
        choices=["uvloop", "asyncio"],
        default="uvloop",
        help="event loop of the worker processes (uvicorn runs the services on uvloop)",
    )
    parser.add_argument(
        "--what-if-no-pre-ping",
        action="store_true",
        help="EXPERIMENT: build the services' engines without pool_pre_ping (not what shared/ does)",
    )
    parser.add_argument("--skip-raw", action="store_true", help="backbone only (no ratio)")
    parser.add_argument(
        "--profile",
        type=Path,
        default=None,
        help="directory for py-spy collapsed stacks of the workers during the throughput phase",
    )
    parser.add_argument("--output", type=Path, default=RESULTS_DIR, help="where the JSON results go")
    args = parser.parse_args(argv)
    if args.quick:
        args.events = min(args.events, 1000)
        args.duration = min(args.duration, 3.0)
    return args


async def run(args: argparse.Namespace) -> dict[str, Any]:
    started = dt.datetime.now(dt.UTC)
    admin_dsn = f"postgresql://{PG_USER}@{PG_HOST}:{PG_PORT}/postgres"
    machine = await machine_info(admin_dsn)
    warmup_events = 100 if args.quick else 500
    warmup_s = 0.5 if args.quick else 1.0
    sample = Envelope.wrap(
        BenchPinged(phase="throughput", seq=12345, sent_at=started),
        producer="bench_producer",
        correlation_id="00000000-0000-0000-0000-000000000000",
    )
    envelope_bytes = len(sample.model_dump_json())
    params = {
        "events": args.events,
        "rate_per_s": args.rate,
        "duration_s": args.duration,
        "quick": args.quick,
        "emit_concurrency": args.concurrency,
        "per_tx_variant": args.per_tx,
        "relay_batch_size": args.relay_batch_size,
        "relay_poll_interval_s": args.relay_poll_interval,
        "consumer_prefetch": args.prefetch,
        "db_pool_size": args.pool_size,
        "raw_publish_window": args.raw_window,
        "raw_consumer_prefetch": args.raw_prefetch,
        "event_loop": args.loop,
        "what_if_no_pre_ping": args.what_if_no_pre_ping,
        "warmup_events": warmup_events,
        "latency_warmup_excluded_s": warmup_s,
        "envelope_bytes": envelope_bytes,
    }
    print(f"backbone bench: {json.dumps(params)}")

    producer_db, producer_url = await create_database("bench_producer")
    consumer_db, consumer_url = await create_database("bench_consumer")
    vhost, amqp_url = create_vhost()
    producer_dsn = f"postgresql://{PG_USER}@{PG_HOST}:{PG_PORT}/{producer_db}"
    consumer_dsn = f"postgresql://{PG_USER}@{PG_HOST}:{PG_PORT}/{consumer_db}"
    config = {
        "amqp_url": amqp_url,
        "producer_db_url": producer_url,
        "consumer_db_url": consumer_url,
        "relay_batch_size": args.relay_batch_size,
        "relay_poll_interval": args.relay_poll_interval,
        "prefetch": args.prefetch,
        "pool_size": args.pool_size,
        "raw_prefetch": args.raw_prefetch,
        "raw_padding": max(0, envelope_bytes - 60),
        "loop": args.loop,
        "what_if_no_pre_ping": args.what_if_no_pre_ping,
    }
    profiler = Profiler(args.profile)
    workers: list[Worker] = []
    results: dict[str, Any] = {"raw": None, "backbone": {}}
    expected: dict[str, int] = {}
    try:
        for metadata, url in ((producer_metadata()[0], producer_url), (consumer_metadata()[0], consumer_url)):
            engine = create_async_engine(url)
            async with engine.begin() as conn:
                await conn.run_sync(metadata.create_all)
            await engine.dispose()

        # ---- baseline: raw aio-pika loop
        if not args.skip_raw:
            print("raw aio-pika loop ...")
            raw_consumer, raw_producer = Worker("raw-consumer", config), Worker("raw-producer", config)
            workers += [raw_consumer, raw_producer]
            await raw_consumer.start()
            await raw_producer.start()
            await burst_phase(raw_consumer, raw_producer, "warmup", warmup_events, 60, window=args.raw_window)
            raw_tp = await burst_phase(
                raw_consumer, raw_producer, "throughput", args.events, 300, window=args.raw_window
            )
            print(f"  throughput {raw_tp['events_per_s']} msg/s")
            raw_lat = await rate_phase(
                raw_consumer, raw_producer, "latency", args.rate, args.duration, warmup_s
            )
            print(
                f"  at {args.rate:g}/s: p50 {raw_lat['publish_to_effect']['p50_ms']} ms, "
                f"p99 {raw_lat['publish_to_effect']['p99_ms']} ms"
            )
            results["raw"] = {"throughput": raw_tp, "latency": raw_lat}
            for w in (raw_producer, raw_consumer):
                await w.stop()
                workers.remove(w)

        # ---- backbone: outbox -> RabbitMQ -> inbox
        print("backbone (outbox -> RabbitMQ -> inbox) ...")
        consumer, producer = Worker("bb-consumer", config), Worker("bb-producer", config)
        workers += [consumer, producer]
        await consumer.start()
        await producer.start()
        bb = results["backbone"]
        await burst_phase(
            consumer, producer, "warmup", warmup_events, 120, concurrency=args.concurrency, per_tx=1
        )
        expected["warmup"] = warmup_events

        profiler.start("throughput", [producer, consumer])
        bb["throughput"] = await burst_phase(
            consumer, producer, "throughput", args.events, 600, concurrency=args.concurrency, per_tx=1
        )
        profiler.stop()
        expected["throughput"] = args.events
        print(
            f"  throughput {bb['throughput']['events_per_s']} events/s "
            f"(1 event per transaction, {args.concurrency} concurrent requests)"
        )

        if args.per_tx > 1:
            bb["throughput_batched_tx"] = await burst_phase(
                consumer,
                producer,
                "throughput_tx",
                args.events,
                600,
                concurrency=args.concurrency,
                per_tx=args.per_tx,
            )
            expected["throughput_tx"] = args.events
            print(
                f"  throughput {bb['throughput_batched_tx']['events_per_s']} events/s "
                f"({args.per_tx} events per transaction)"
            )

        bb["latency"] = await rate_phase(consumer, producer, "latency", args.rate, args.duration, warmup_s)
        expected["latency"] = int(args.rate * args.duration)
        print(
            f"  at {args.rate:g}/s: p50 {bb['latency']['publish_to_effect']['p50_ms']} ms, "
            f"p99 {bb['latency']['publish_to_effect']['p99_ms']} ms"
        )
        for w in (producer, consumer):
            await w.stop()
            workers.remove(w)
        results["verification"] = await verify(producer_dsn, consumer_dsn, amqp_url, expected)
    finally:
        profiler.stop()
        for w in workers:
            await w.stop()
        await drop_database(producer_db)
        await drop_database(consumer_db)
        delete_vhost(vhost)

    summary: dict[str, Any] = {
        "backbone_events_per_s": results["backbone"]["throughput"]["events_per_s"],
        "backbone_p50_ms_at_rate": results["backbone"]["latency"]["publish_to_effect"]["p50_ms"],
        "backbone_p99_ms_at_rate": results["backbone"]["latency"]["publish_to_effect"]["p99_ms"],
        "target_events_per_s": TARGET_THROUGHPUT,
        "target_p99_ms_at_rate": TARGET_P99_MS,
        "guarantees_verified": results["verification"]["ok"],
    }
    if results["raw"] is not None:
        raw_rate = results["raw"]["throughput"]["events_per_s"]
        summary["raw_msgs_per_s"] = raw_rate
        summary["raw_p50_ms_at_rate"] = results["raw"]["latency"]["publish_to_effect"]["p50_ms"]
        summary["raw_p99_ms_at_rate"] = results["raw"]["latency"]["publish_to_effect"]["p99_ms"]
        summary["throughput_ratio_backbone_over_raw"] = round(summary["backbone_events_per_s"] / raw_rate, 3)
    if "throughput_batched_tx" in results["backbone"]:
        summary["backbone_batched_tx_events_per_s"] = results["backbone"]["throughput_batched_tx"][
            "events_per_s"
        ]
    return {
        "benchmark": "backbone",
        "started_at": started.isoformat(),
        "finished_at": dt.datetime.now(dt.UTC).isoformat(),
        "machine": machine,
        "parameters": params,
        "summary": summary,
        "results": results,
        "profiles": profiler.files,
    }


def print_table(report: dict[str, Any]) -> None:
    s = report["summary"]
    res = report["results"]
    rate = report["parameters"]["rate_per_s"]

    def row(name: str, tp: Any, lat: dict[str, Any] | None) -> str:
        p = lat["publish_to_effect"] if lat else {}
        return (
            f"{name:<34} {tp!s:>12} {p.get('p50_ms', '-')!s:>9} {p.get('p95_ms', '-')!s:>9} "
            f"{p.get('p99_ms', '-')!s:>9} {p.get('max_ms', '-')!s:>9}"
        )

    print()
    header = f"{'':<34} {'msgs/s':>12} {'p50 ms':>9} {'p95 ms':>9} {'p99 ms':>9} {'max ms':>9}"
    print(f"{header}   (latency at {rate:g}/s)")
    if res["raw"] is not None:
        print(
            row(
                "raw aio-pika confirm/consume",
                res["raw"]["throughput"]["events_per_s"],
                res["raw"]["latency"],
            )
        )
    bb = res["backbone"]
    print(row("backbone outbox->broker->inbox", bb["throughput"]["events_per_s"], bb["latency"]))
    if "throughput_batched_tx" in bb:
        print(
            row(
                f"  same, {report['parameters']['per_tx_variant']} events per transaction",
                bb["throughput_batched_tx"]["events_per_s"],
                None,
            )
        )
    if "throughput_ratio_backbone_over_raw" in s:
        print(f"backbone / raw throughput: {s['throughput_ratio_backbone_over_raw']:.3f}")
    verification = res["verification"]
    problems = "" if verification["ok"] else f": {verification['problems']}"
    print(
        f"guarantees: {'OK' if verification['ok'] else 'FAILED'} "
        f"(effects exactly once, outbox all sent, queues empty){problems}"
    )


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    report = asyncio.run(run(args))
    args.output.mkdir(parents=True, exist_ok=True)
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    text = json.dumps(report, indent=2) + "\n"
    path = args.output / f"backbone-{stamp}{'-quick' if args.quick else ''}.json"
    path.write_text(text)
    if not args.quick:  # a smoke run does not replace the reference figures
        (args.output / "backbone-latest.json").write_text(text)
    print_table(report)
    print(f"\nresults: {path}")
    return 0 if report["results"]["verification"]["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
