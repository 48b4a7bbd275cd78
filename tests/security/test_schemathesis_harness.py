"""The fuzzing harness works: a sound app passes, an app with a server error or a lying schema fails."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from fastapi import APIRouter, Depends, FastAPI, Query
from fastapi.responses import JSONResponse

from shared.http.app import create_app
from shared.security.dependencies import Authenticator, CurrentPrincipal, current_principal, install_security
from shared.security.inputs import BoundedText, PositiveAmount, StrictInput
from shared.security.isolation import member_filter
from shared.security.tokens import TokenVerifier
from tests.security.conftest import TokenFactory
from tests.security.schemathesis_harness import fuzz_app


class OrderIn(StrictInput):
    label: BoundedText(100)
    amount: PositiveAmount


def tiny_app(verifier: TokenVerifier, *, buggy: bool = False, lying: bool = False) -> FastAPI:
    router = APIRouter(prefix="/v1", dependencies=[Depends(current_principal)])

    @router.post("/orders", status_code=201)
    async def create(body: OrderIn) -> dict[str, str]:
        if buggy and body.amount > Decimal("100"):
            raise ZeroDivisionError("a bug")
        return {"label": body.label, "amount": format(body.amount, "f")}

    @router.get("/orders", response_model=list[int])
    async def list_orders(
        principal: CurrentPrincipal,
        member_id: str | None = Query(default=None, max_length=64),
        limit: int = Query(default=10, ge=1, le=100),
    ) -> Any:
        member_filter(principal, member_id)
        # A JSONResponse skips FastAPI's own check of the answer, as a hand-built answer would.
        return JSONResponse(["not", "numbers"] if lying else [1, 2])

    app = create_app(
        title="tiny",
        service_label="tiny",
        routers=[router],
        readiness=[],
        lifespan=None,
        max_request_bytes=8192,
    )
    install_security(app, Authenticator(verifier))
    return app


def test_a_sound_app_passes(verifier: TokenVerifier, make_token: TokenFactory) -> None:
    report = fuzz_app(tiny_app(verifier), token=make_token(), max_examples=20, time_budget_s=60)
    assert report.ok, report.describe()
    assert report.operations == 2 and report.requests > 20


def test_a_server_error_is_found(verifier: TokenVerifier, make_token: TokenFactory) -> None:
    report = fuzz_app(tiny_app(verifier, buggy=True), token=make_token(), max_examples=20, time_budget_s=60)
    assert not report.ok
    # Starlette answers 500 and re-raises: the harness reports the exception itself.
    assert any("POST /v1/orders" in failure and "ZeroDivisionError" in failure for failure in report.failures)


def test_an_answer_breaking_its_schema_is_found(verifier: TokenVerifier, make_token: TokenFactory) -> None:
    app = tiny_app(verifier, lying=True)
    report = fuzz_app(app, token=make_token(), max_examples=10, time_budget_s=60)
    assert any("GET /v1/orders" in failure for failure in report.failures)


def test_the_budget_bounds_the_run(verifier: TokenVerifier, make_token: TokenFactory) -> None:
    report = fuzz_app(tiny_app(verifier), token=make_token(), max_examples=1000, time_budget_s=1)
    assert report.out_of_time and report.ok
