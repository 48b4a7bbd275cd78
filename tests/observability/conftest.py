"""Finished spans, kept in memory: the only span exporter the tests use."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

# A process has one tracer provider for good, and the services install theirs (not recording: no
# exporter) when they start unless one is there. This one, recording everything, is installed when
# pytest collects this directory, before any test starts a service.
if not isinstance(trace.get_tracer_provider(), TracerProvider):
    trace.set_tracer_provider(TracerProvider())
_EXPORTER = InMemorySpanExporter()
trace.get_tracer_provider().add_span_processor(SimpleSpanProcessor(_EXPORTER))  # type: ignore[attr-defined]


@pytest.fixture(scope="session")
def _in_memory_exporter() -> InMemorySpanExporter:
    return _EXPORTER


@pytest.fixture
def spans(_in_memory_exporter: InMemorySpanExporter) -> Iterator[InMemorySpanExporter]:
    _in_memory_exporter.clear()
    yield _in_memory_exporter
    _in_memory_exporter.clear()
