"""The FastAPI application shell every service (and the embedded mode) builds on."""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable, Sequence
from contextlib import AbstractAsyncContextManager
from typing import Any

from fastapi import APIRouter, FastAPI, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from shared.http.middleware import (
    BodySizeLimitMiddleware,
    CorrelationMiddleware,
    MetricsMiddleware,
    TracingMiddleware,
)
from shared.http.problems import install_problem_handlers
from shared.idempotency import IdempotencyMiddleware, IdempotencyStore, document_idempotency_header
from shared.security.dependencies import Authenticator, install_security
from shared.security.policy import RoutePolicy, enforce

ReadinessCheck = Callable[[], Awaitable[dict[str, bool]]]

# Recent FastAPI releases trace requests themselves once a tracer provider exists (a server span taken
# from the headers, plus spans around dependencies, endpoint and serialization). `TracingMiddleware`
# makes the one server span per request on every supported FastAPI release, so the built-in one is off.
_NO_NATIVE_TELEMETRY: dict[str, Any] = (
    {"telemetry": {"tracing": False, "metrics": False, "logs": False}}
    if "telemetry" in inspect.signature(FastAPI).parameters
    else {}
)


def operations_router(checks: Sequence[ReadinessCheck], liveness: Sequence[ReadinessCheck] = ()) -> APIRouter:
    router = APIRouter(tags=["operations"])

    @router.get("/healthz", summary="Liveness: the process answers and its relay and consumers run")
    async def healthz() -> JSONResponse:
        results: dict[str, bool] = {}
        for check in liveness:
            results.update(await check())
        alive = all(results.values())
        return JSONResponse(
            {"status": "ok" if alive else "dead", "checks": results}, status_code=200 if alive else 503
        )

    @router.get("/readyz", summary="Readiness: the database and the broker answer")
    async def readyz() -> JSONResponse:
        results: dict[str, bool] = {}
        for check in checks:
            results.update(await check())
        ready = all(results.values())
        return JSONResponse(
            {"status": "ready" if ready else "not ready", "checks": results},
            status_code=200 if ready else 503,
        )

    @router.get("/metrics", summary="Prometheus metrics", response_class=Response)
    async def metrics() -> Response:
        return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)

    return router


def create_app(
    *,
    title: str,
    service_label: str,
    routers: Sequence[APIRouter],
    readiness: Sequence[ReadinessCheck],
    liveness: Sequence[ReadinessCheck] = (),
    lifespan: Callable[[FastAPI], AbstractAsyncContextManager[Any]] | None,
    max_request_bytes: int,
    description: str = "",
    authenticator: Authenticator | None = None,
    policies: Sequence[RoutePolicy] = (),
    idempotency: IdempotencyStore | None = None,
) -> FastAPI:
    """The app of one service (or of several, embedded).

    With `policies`, every router is included behind `enforce(policies)`: the caller must present a
    valid bearer token (401 problem otherwise) holding a role the route's rule allows (403 problem
    otherwise; a route without a rule is refused to everybody). The operations routes (`/healthz`,
    `/readyz`, `/metrics`) and the OpenAPI pages stay public. Without an `authenticator`, a protected
    route fails closed (500) until `install_security()` is called.

    With an `idempotency` store, every `POST /v1/...` honours the `Idempotency-Key` header.
    """
    app = FastAPI(
        title=title, version="1.0.0", description=description, lifespan=lifespan, **_NO_NATIVE_TELEMETRY
    )
    install_problem_handlers(app)
    if authenticator is not None:
        install_security(app, authenticator)
    guard = [enforce({policy.service: policy for policy in policies})] if policies else []
    for router in routers:
        app.include_router(router, dependencies=guard)
    app.include_router(operations_router(readiness, liveness))
    app.add_middleware(IdempotencyMiddleware, store=idempotency)  # innermost: inside the size limit
    if idempotency is not None:
        document_idempotency_header(app)
    app.add_middleware(BodySizeLimitMiddleware, max_bytes=max_request_bytes)
    app.add_middleware(MetricsMiddleware, service=service_label)
    app.add_middleware(TracingMiddleware)  # inside the correlation id, which it records on the span
    app.add_middleware(CorrelationMiddleware)
    return app
