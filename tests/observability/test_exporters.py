"""`ENT_OTEL_EXPORTER` picks where spans go; each choice is tried in a fresh process (a process installs
its tracer provider once)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

SCRIPT = """
import json, sys
from opentelemetry import trace
from shared.settings import CommonSettings
from shared.tracing import configure_tracing, tracer
settings = CommonSettings()
configure_tracing("members", settings.otel_exporter, otlp_endpoint=settings.otel_exporter_otlp_endpoint)
configure_tracing("orders", "console")  # the first caller wins: no second provider, no second exporter
provider = trace.get_tracer_provider()
with tracer().start_as_current_span("POST /v1/members") as span:
    recording = span.is_recording()
    valid = span.get_span_context().is_valid
processors = provider._active_span_processor._span_processors
exporters = [type(p.span_exporter).__name__ for p in processors]
endpoints = [getattr(p.span_exporter, "_endpoint", None) for p in processors]
provider.force_flush()
service = provider.resource.attributes["service.name"]
info = {"exporters": exporters, "endpoints": endpoints, "service": service, "recording": recording}
print(json.dumps({**info, "valid": valid}), file=sys.stderr)
"""


def run(env: dict[str, str]) -> tuple[str, dict]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("ENT_", "OTEL_"))}
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT],
        env={**clean, **env},
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return done.stdout, json.loads(done.stderr.strip().splitlines()[-1])


def test_by_default_spans_are_made_but_not_exported() -> None:
    stdout, info = run({})
    assert (stdout, info["exporters"], info["service"]) == ("", [], "members")
    assert (info["recording"], info["valid"]) == (False, True)  # ids for logs and headers, no recording


def test_the_console_exporter_prints_finished_spans() -> None:
    stdout, info = run({"ENT_OTEL_EXPORTER": "console"})
    assert (info["exporters"], info["recording"]) == (["ConsoleSpanExporter"], True)
    assert json.loads(stdout)["name"] == "POST /v1/members"


def test_the_otlp_exporter_sends_to_the_configured_collector() -> None:
    pytest.importorskip("opentelemetry.exporter.otlp.proto.http")
    _, info = run({"ENT_OTEL_EXPORTER": "otlp", "OTEL_EXPORTER_OTLP_ENDPOINT": "http://collector:4318/"})
    assert info["exporters"] == ["OTLPSpanExporter"]
    assert info["endpoints"] == ["http://collector:4318/v1/traces"]


def test_an_unknown_exporter_is_refused_by_the_settings() -> None:
    with pytest.raises(subprocess.CalledProcessError) as refused:
        run({"ENT_OTEL_EXPORTER": "jaeger"})
    assert "otel_exporter" in refused.value.stderr
