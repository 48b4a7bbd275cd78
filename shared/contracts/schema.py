"""Writes the JSON Schema of the envelope and of every event contract to `docs/contracts/`.

    python -m shared.contracts.schema            (write)
    python -m shared.contracts.schema --check    (fail if the committed files are stale)

One file per (routing key, version), so consumers in other languages can validate what they receive.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from shared.contracts import Envelope, registry

DEFAULT_DIR = Path(__file__).resolve().parents[2] / "docs" / "contracts"


def render() -> dict[str, str]:
    files = {"envelope.schema.json": Envelope.model_json_schema()}
    index = []
    for event in registry.published():
        name = f"{event.TYPE}.v{event.VERSION}.schema.json"
        schema = event.model_json_schema()
        schema["title"] = event.__name__
        schema["x-routing-key"] = event.TYPE
        schema["x-schema-version"] = event.VERSION
        files[name] = schema
        index.append(
            {
                "routing_key": event.TYPE,
                "version": event.VERSION,
                "contract": event.__name__,
                "description": (event.__doc__ or "").strip(),
                "schema": name,
            }
        )
    files["index.json"] = index  # type: ignore[assignment]
    return {
        name: json.dumps(content, indent=2, ensure_ascii=False, sort_keys=True) + "\n"
        for name, content in files.items()
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--check", action="store_true")
    parser.add_argument("--dir", type=Path, default=DEFAULT_DIR)
    args = parser.parse_args(argv)
    rendered = render()
    if args.check:
        stale = [
            name
            for name, text in rendered.items()
            if not (args.dir / name).exists() or (args.dir / name).read_text() != text
        ]
        extra = (
            sorted(p.name for p in args.dir.glob("*.json") if p.name not in rendered)
            if args.dir.exists()
            else []
        )
        if stale or extra:
            print(
                f"contract schemas are stale: {stale + extra}; run python -m shared.contracts.schema",
                file=sys.stderr,
            )
            return 1
        return 0
    args.dir.mkdir(parents=True, exist_ok=True)
    for name, text in rendered.items():
        (args.dir / name).write_text(text)
    print(f"wrote {len(rendered)} files to {args.dir}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
