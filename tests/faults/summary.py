"""The campaign's summary table, printed at the end of a run (and kept as JSON)."""

from __future__ import annotations

import statistics
from collections import Counter
from typing import Any

from tests.faults.injector import KINDS, Fault
from tests.faults.invariants import Verdict


def table(
    *,
    verdict: Verdict,
    faults: list[Fault],
    retries: Counter[str],
    recover_s: float,
    elapsed_s: float,
) -> str:
    by_kind = Counter(f.kind for f in faults)
    rows: list[tuple[str, Any]] = [
        ("flows started", verdict.flows_started),
        ("flows completed exactly once", verdict.flows_completed),
        ("purchase orders", verdict.counts.get("purchase_orders")),
        ("member invoices", verdict.counts.get("member_invoices")),
        (
            "contractor orders (submissions)",
            f"{verdict.counts.get('contractor_orders')} ({verdict.counts.get('contractor_submissions')})",
        ),
    ]
    for kind in KINDS:
        hits = [f for f in faults if f.kind == kind]
        recovery = (
            f"recovered in max {max(f.recovered_s for f in hits):.1f}s, "
            f"median {statistics.median(f.recovered_s for f in hits):.1f}s"
            if hits
            else ""
        )
        targets = ", ".join(sorted(Counter(f.target for f in hits))) if hits else ""
        rows.append((f"faults: {kind}", f"{by_kind[kind]}  {recovery}  [{targets}]"))
    rows += [
        ("client retries", ", ".join(f"{k}={v}" for k, v in sorted(retries.items())) or "0"),
        ("lost", len(verdict.lost)),
        ("doubled", len(verdict.doubled)),
        ("other violations", len(verdict.other)),
        ("parked messages", len(verdict.parked)),
        ("time to recover (last fault → all flows done, outbox drained)", f"{recover_s:.1f}s"),
        ("campaign duration", f"{elapsed_s:.1f}s"),
    ]
    width = max(len(name) for name, _ in rows)
    lines = [
        f"{'':-<{width + 40}}",
        *(f"{name:<{width}}  {value}" for name, value in rows),
        f"{'':-<{width + 40}}",
    ]
    for problem in verdict.violations[:30]:
        lines.append(f"VIOLATION: {problem}")
    for parked in verdict.parked[:30]:
        lines.append(
            f"PARKED {parked['queue']} {parked['routing_key']} {parked['message_id']} "
            f"attempts={parked['attempts']} reason={parked['reason']}"
        )
    return "\n".join(lines)
