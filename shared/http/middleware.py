"""ASGI middleware: correlation id, trace context, request size limit, latency metrics by route template."""

from __future__ import annotations

import time
import uuid
from typing import Any

from opentelemetry.trace import SpanKind
from prometheus_client import Counter, Histogram
from starlette.routing import Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from shared.context import correlation_id_var
from shared.http.problems import problem
from shared.tracing import extract_context, http_carrier, mark_error, tracer

CORRELATION_HEADER = "x-correlation-id"

HTTP_LATENCY = Histogram(
    "http_request_duration_seconds",
    "HTTP request latency by route",
    ["service", "method", "route", "status"],
    buckets=(0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5),
)
HTTP_REQUESTS = Counter("http_requests_total", "HTTP requests", ["service", "method", "route", "status"])


class CorrelationMiddleware:
    """Takes the flow's id from `X-Correlation-ID` (or starts one) and echoes it on the answer."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        # A gateway's request id (ingress-nginx sends X-Request-ID) starts the flow when the caller sent none.
        incoming = headers.get(CORRELATION_HEADER.encode()) or headers.get(b"x-request-id")
        value = incoming.decode("latin-1")[:100] if incoming else str(uuid.uuid4())
        token = correlation_id_var.set(value)

        async def send_with_header(message: Message) -> None:
            if message["type"] == "http.response.start":
                message.setdefault("headers", [])
                message["headers"].append((CORRELATION_HEADER.encode(), value.encode("latin-1")))
            await send(message)

        try:
            await self.app(scope, receive, send_with_header)
        finally:
            correlation_id_var.reset(token)


# Probes and scrapes, every few seconds from Kubernetes and Prometheus: no business flow, no trace.
UNTRACED_PATHS = frozenset({"/healthz", "/readyz", "/metrics"})


class TracingMiddleware:
    """One server span per request, child of the caller's W3C `traceparent` when it sent one, named by
    the route template (`POST /v1/quotes/{quote_id}/accept`); events emitted meanwhile carry it on."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] in UNTRACED_PATHS:
            await self.app(scope, receive, send)
            return
        method = scope["method"]
        status = {"code": 500}

        async def capture(message: Message) -> None:
            if message["type"] == "http.response.start":
                status["code"] = message["status"]
            await send(message)

        # Named after the method until routing tells the template: the span exists before the route does.
        with tracer().start_as_current_span(
            method,
            context=extract_context(http_carrier(scope.get("headers") or [])),
            kind=SpanKind.SERVER,
            attributes={"http.request.method": method, "url.path": scope["path"]},
        ) as span:
            try:
                await self.app(scope, receive, capture)
            finally:
                route = route_template(scope)
                span.update_name(f"{method} {route}")
                span.set_attribute("http.route", route)
                span.set_attribute("http.response.status_code", status["code"])
                correlation_id = correlation_id_var.get()
                if correlation_id is not None:
                    span.set_attribute("correlation_id", correlation_id)
                if status["code"] >= 500:
                    mark_error(span, f"HTTP {status['code']}")


class BodySizeLimitMiddleware:
    """Refuses bodies above the limit with 413, whether announced by Content-Length or streamed."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            await self._too_large(scope, receive, send)
            return
        received = 0

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise _TooLarge
            return message

        try:
            await self.app(scope, limited_receive, send)
        except _TooLarge:
            await self._too_large(scope, receive, send)

    async def _too_large(self, scope: Scope, receive: Receive, send: Send) -> None:
        response = problem(
            413, "payload-too-large", "Request body too large", f"The limit is {self.max_bytes} bytes."
        )
        await response(scope, receive, send)


class _TooLarge(Exception):
    pass


class MetricsMiddleware:
    def __init__(self, app: ASGIApp, service: str) -> None:
        self.app = app
        self.service = service

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        status = {"code": 500}

        async def capture(message: Message) -> None:
            if message["type"] == "http.response.start":
                status["code"] = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, capture)
        finally:
            route = route_template(scope)
            labels = (self.service, scope["method"], route, str(status["code"]))
            HTTP_LATENCY.labels(*labels).observe(time.perf_counter() - start)
            HTTP_REQUESTS.labels(*labels).inc()


_ROUTE_KEY = "ent.route_template"


def route_template(scope: Scope) -> str:
    """The template (/v1/quotes/{quote_id}), not the path: it keeps metrics' cardinality bounded.
    Computed once per request (the metrics and the tracing middleware both ask)."""
    cached = scope.get(_ROUTE_KEY)
    if cached is None:
        routed: Any = scope.get("route")  # set by Starlette's router on the request's own scope
        cached = scope[_ROUTE_KEY] = str(getattr(routed, "path", None) or _scan_routes(scope))
    return str(cached)


def _scan_routes(scope: Scope) -> str:
    app: Any = scope.get("app")
    router = getattr(app, "router", None)
    for route in getattr(router, "routes", []):
        match, _ = route.matches(scope)
        if match == Match.FULL:
            return str(getattr(route, "path", "unmatched"))
    return "unmatched"
