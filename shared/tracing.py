"""OpenTelemetry tracing: one business flow is one trace, across HTTP requests, the outbox and the broker.

The W3C trace context (`traceparent`, `tracestate`) comes in with a request and starts its server span
(`shared.http.middleware.TracingMiddleware`); an event emitted while that span is current stores the
context beside its outbox row (`shared.uow.UnitOfWork.emit`); the relay publishes it as message
headers, and the consumer continues the trace in a consumer span around its handler
(`shared.messaging.inbox`). Events emitted by that handler carry the consumer span's context in turn.

The tracer provider is installed once per process (the embedded mode runs three services in one):
with `ENT_OTEL_EXPORTER=none` (the default) spans are still made, so logs carry a trace id and a
caller's trace id continues through us, but they are not recorded (sampler off unless
`OTEL_TRACES_SAMPLER` says otherwise) and nothing is exported. `console` prints finished spans;
`otlp` sends them over OTLP/HTTP to `OTEL_EXPORTER_OTLP_ENDPOINT` (the standard `OTEL_*` variables
apply: sampler, resource attributes, exporter headers).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from enum import StrEnum
from typing import Any

from opentelemetry import context as otel_context
from opentelemetry import propagate, trace
from opentelemetry.propagators.textmap import Getter
from opentelemetry.trace import Span, SpanKind, Status, StatusCode

log = logging.getLogger(__name__)

TRACER_NAME = "ent-backoffice"


class TraceExporter(StrEnum):
    NONE = "none"
    CONSOLE = "console"
    OTLP = "otlp"


def configure_tracing(
    service_name: str,
    exporter: TraceExporter | str = TraceExporter.NONE,
    *,
    otlp_endpoint: str | None = None,
) -> None:
    """Install the SDK tracer provider, unless one is installed already (first caller wins: in the
    embedded mode and in tests several services share the process and its provider)."""
    from opentelemetry.sdk.resources import SERVICE_NAME, Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor, ConsoleSpanExporter, SpanExporter
    from opentelemetry.sdk.trace.sampling import ALWAYS_OFF, Sampler

    if isinstance(trace.get_tracer_provider(), TracerProvider):
        return
    chosen = TraceExporter(exporter)
    sampler: Sampler | None = None  # the SDK's: OTEL_TRACES_SAMPLER, else parent-based always-on
    if chosen is TraceExporter.NONE and not os.environ.get("OTEL_TRACES_SAMPLER"):
        # Nothing to export, so nothing worth recording: non-recording spans still get their ids (logs,
        # headers) at a third of a recorded span's cost. They mark the context "not sampled".
        sampler = ALWAYS_OFF
    provider = TracerProvider(resource=Resource.create({SERVICE_NAME: service_name}), sampler=sampler)
    span_exporter: SpanExporter | None = None
    if chosen is TraceExporter.CONSOLE:
        span_exporter = ConsoleSpanExporter()
    elif chosen is TraceExporter.OTLP:
        try:
            from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
        except ImportError as missing:  # an optional dependency: `pip install '.[otlp]'`
            raise RuntimeError(
                "ENT_OTEL_EXPORTER=otlp needs opentelemetry-exporter-otlp-proto-http (extra `otlp`)"
            ) from missing
        # Without an explicit endpoint the exporter reads the OTEL_EXPORTER_OTLP_* variables itself.
        # A traces-specific endpoint, when given, wins over the generic one (as the OTel spec says).
        generic = otlp_endpoint and not os.environ.get("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT")
        endpoint = f"{otlp_endpoint.rstrip('/')}/v1/traces" if generic and otlp_endpoint else None
        span_exporter = OTLPSpanExporter(endpoint=endpoint)
    if span_exporter is not None:
        provider.add_span_processor(BatchSpanProcessor(span_exporter))
    trace.set_tracer_provider(provider)
    log.info("tracing configured for %s (exporter: %s)", service_name, chosen.value)


# A proxy until a provider is installed, then the provider's tracer (looking it up per span costs).
_TRACER = trace.get_tracer(TRACER_NAME)


def tracer() -> trace.Tracer:
    return _TRACER


class _HeadersGetter(Getter[Mapping[str, Any]]):
    """Reads a carrier whose values may be bytes (AMQP header tables) or str."""

    def get(self, carrier: Mapping[str, Any], key: str) -> list[str] | None:
        value = carrier.get(key)
        if value is None:
            return None
        if isinstance(value, bytes | bytearray):
            value = value.decode("latin-1")
        return [str(value)]

    def keys(self, carrier: Mapping[str, Any]) -> list[str]:
        return list(carrier.keys())


_GETTER = _HeadersGetter()


def extract_context(carrier: Mapping[str, Any] | None) -> otel_context.Context:
    """The remote context a carrier (HTTP or message headers) holds; empty when it holds none."""
    return propagate.extract(carrier or {}, getter=_GETTER)


def http_carrier(raw_headers: Iterable[tuple[bytes, bytes]]) -> dict[str, str]:
    """ASGI headers (lower-case bytes pairs) as a carrier for `extract_context`."""
    return {name.decode("latin-1"): value.decode("latin-1") for name, value in raw_headers}


def current_trace_headers() -> dict[str, str]:
    """The current trace context as W3C headers (`traceparent`, `tracestate`...); empty outside a trace."""
    carrier: dict[str, str] = {}
    if trace.get_current_span().get_span_context().is_valid:
        propagate.inject(carrier)
    return carrier


def current_trace_id() -> str | None:
    """The current trace id as 32 hex digits (what trace back ends show), or None outside a trace."""
    span_context = trace.get_current_span().get_span_context()
    return format(span_context.trace_id, "032x") if span_context.is_valid else None


@contextmanager
def consumer_span(
    name: str, headers: Mapping[str, Any] | None, attributes: Mapping[str, Any]
) -> Iterator[Span]:
    """A consumer span, child of the context the message carried, current while the handler runs."""
    with tracer().start_as_current_span(
        name,
        context=extract_context(headers),
        kind=SpanKind.CONSUMER,
        attributes=dict(attributes),
    ) as span:
        yield span


def mark_error(span: Span, description: str) -> None:
    span.set_status(Status(StatusCode.ERROR, description))


def record_failure(error: BaseException) -> None:
    """Mark the current span failed with the error (a handler's failure the caller handles itself)."""
    span = trace.get_current_span()
    span.record_exception(error)
    mark_error(span, f"{type(error).__name__}: {error}")
