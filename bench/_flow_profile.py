"""Sampling profiles of the service processes during a bench.flow run (py-spy, if installed), and a
summary of where their CPU goes: by library (a sample counts for each library on its stack) and by
leaf function (self time)."""

from __future__ import annotations

import shutil
import subprocess
from collections import Counter
from pathlib import Path
from typing import Any

# Libraries and code areas, recognised by a path fragment in a frame ("function (file:line)").
AREAS = {
    "sqlalchemy": "sqlalchemy/",
    "asyncpg": "asyncpg/",
    "pydantic": "pydantic",
    "fastapi/starlette": ("fastapi/", "starlette/"),
    "uvicorn/h11/httptools": ("uvicorn/", "h11/", "httptools"),
    "jwt/cryptography": ("jwt/", "cryptography/"),
    "aio_pika/aiormq/pamqp": ("aio_pika/", "aiormq/", "pamqp/"),
    "httpx/httpcore (contractor gateway)": ("httpx/", "httpcore/"),
    "logging": ("logging/", "pythonjsonlogger"),
    "prometheus_client": "prometheus_client/",
    "opentelemetry": "opentelemetry/",
    "shared/uow.py (unit of work, audit)": "shared/uow.py",
    "ssl context creation": "create_default_context",
    "shared/idempotency.py": "shared/idempotency.py",
    "shared/messaging": "shared/messaging/",
    "services/*/domain": "/domain/",
    "asyncio event loop": "asyncio/",
}


def start(
    pids: dict[str, int], duration: float, out_dir: Path, rate: int = 100
) -> list[subprocess.Popen[bytes]]:
    """One `py-spy record --format raw` per process for `duration` seconds (nothing if py-spy is missing)."""
    spy = shutil.which("py-spy") or str(Path(__file__).resolve().parents[1] / ".venv/bin/py-spy")
    if not Path(spy).exists():
        print("py-spy is not installed (pip install py-spy): no profile")
        return []
    out_dir.mkdir(parents=True, exist_ok=True)
    return [
        subprocess.Popen(
            [
                spy,
                "record",
                "--pid",
                str(pid),
                "--duration",
                str(int(duration)),
                "--rate",
                str(rate),
                "--format",
                "raw",
                "--nonblocking",
                "--output",
                str(out_dir / f"{name}.txt"),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for name, pid in pids.items()
    ]


def _in(frame: str, fragments: str | tuple[str, ...]) -> bool:
    return any(f in frame for f in ((fragments,) if isinstance(fragments, str) else fragments))


def summarise(path: Path, top: int = 15) -> dict[str, Any]:
    """Shares of the samples of one process: by area (inclusive) and by leaf function (self)."""
    areas: Counter[str] = Counter()
    owners: Counter[str] = Counter()
    leaves: Counter[str] = Counter()
    total = 0
    for line in path.read_text().splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not stack or not count_text.isdigit():
            continue
        count = int(count_text)
        frames = stack.split(";")
        total += count
        leaves[frames[-1]] += count
        for area, fragments in AREAS.items():
            if any(_in(frame, fragments) for frame in frames):
                areas[area] += count
        # Self time by area: the innermost frame that belongs to a known area takes the sample.
        owner = next((a for frame in reversed(frames) for a, fr in AREAS.items() if _in(frame, fr)), "other")
        owners[owner] += count
    if not total:
        return {"samples": 0}
    return {
        "samples": total,
        "by_area_self": {a: round(n / total, 3) for a, n in owners.most_common()},
        "by_area_inclusive": {a: round(n / total, 3) for a, n in areas.most_common()},
        "top_self": {f: round(n / total, 3) for f, n in leaves.most_common(top)},
    }


def finish(processes: list[subprocess.Popen[bytes]], out_dir: Path) -> dict[str, Any]:
    for process in processes:
        try:
            process.wait(60)
        except subprocess.TimeoutExpired:
            process.kill()
    return {p.stem: summarise(p) for p in sorted(out_dir.glob("*.txt"))} if processes else {}
