"""The FastAPI application shell every service (and the embedded mode) builds on."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from contextlib import AbstractAsyncContextManager
from typing import Any

from fastapi import APIRouter, FastAPI, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from shared.http.middleware import BodySizeLimitMiddleware, CorrelationMiddleware, MetricsMiddleware
from shared.http.problems import install_problem_handlers

ReadinessCheck = Callable[[], Awaitable[dict[str, bool]]]


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
) -> FastAPI:
    app = FastAPI(title=title, version="1.0.0", description=description, lifespan=lifespan)
    install_problem_handlers(app)
    for router in routers:
        app.include_router(router)
    app.include_router(operations_router(readiness, liveness))
    app.add_middleware(BodySizeLimitMiddleware, max_bytes=max_request_bytes)
    app.add_middleware(MetricsMiddleware, service=service_label)
    app.add_middleware(CorrelationMiddleware)
    return app
