"""The HTTP face of authentication and authorisation: 401 and 403 problems, member isolation 404."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import APIRouter, Depends, FastAPI

from shared.errors import NotFound
from shared.http.app import create_app
from shared.security.dependencies import (
    Authenticator,
    CurrentPrincipal,
    RequireRoles,
    current_principal,
    install_security,
)
from shared.security.isolation import (
    contractor_filter,
    ensure_contractor_owns,
    ensure_member_owns,
    member_filter,
    visible_or_404,
)
from shared.security.principal import Principal, Role
from shared.security.tokens import TokenVerifier
from tests.security.conftest import TokenFactory, bearer, unsigned

QUOTES = {"q-1": "m-1", "q-2": "m-2", "q-3": "m-1"}  # quote id -> member id


def quotes_router() -> APIRouter:
    router = APIRouter(prefix="/v1", dependencies=[Depends(current_principal)])

    @router.get("/quotes")
    async def list_quotes(principal: CurrentPrincipal, member_id: str | None = None) -> list[str]:
        member_id = member_filter(principal, member_id)
        return sorted(q for q, owner in QUOTES.items() if member_id is None or owner == member_id)

    @router.get("/quotes/{quote_id}")
    async def read_quote(quote_id: str, principal: CurrentPrincipal) -> dict[str, str]:
        owner = visible_or_404(principal, QUOTES.get(quote_id), lambda member: member, what="quote")
        return {"id": quote_id, "member_id": owner}

    @router.post("/quotes/{quote_id}/approval", dependencies=[RequireRoles(Role.ADMIN, Role.FINANCE)])
    async def approve(quote_id: str, principal: CurrentPrincipal) -> dict[str, str]:
        return {"approved_by": principal.subject}

    return router


def build_app(authenticator: Authenticator) -> FastAPI:
    app = create_app(
        title="t",
        service_label="t",
        routers=[quotes_router()],
        readiness=[],
        lifespan=None,
        max_request_bytes=4096,
    )
    install_security(app, authenticator)
    return app


@pytest.fixture
async def client(verifier: TokenVerifier) -> AsyncIterator[httpx.AsyncClient]:
    app = build_app(Authenticator(verifier))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client:
        yield client


def assert_401(response: httpx.Response, *, invalid_token: bool) -> None:
    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["type"].endswith("/unauthenticated")
    challenge = response.headers["www-authenticate"]
    assert challenge.startswith("Bearer ")
    assert ('error="invalid_token"' in challenge) is invalid_token


async def test_no_token_answers_401_with_a_bearer_challenge(client: httpx.AsyncClient) -> None:
    assert_401(await client.get("/v1/quotes"), invalid_token=False)
    assert_401(await client.get("/v1/quotes", headers={"Authorization": "Basic YTpi"}), invalid_token=False)


@pytest.mark.parametrize(
    "kind", ["expired", "wrong_audience", "wrong_issuer", "wrong_signature", "alg_none", "garbage"]
)
async def test_bad_tokens_answer_401_invalid_token(
    client: httpx.AsyncClient, make_token: TokenFactory, other_pair, kind: str
) -> None:
    tokens = {
        "expired": lambda: make_token(now=dt.datetime.now(dt.UTC) - dt.timedelta(hours=1)),
        "wrong_audience": lambda: make_token(aud="other"),
        "wrong_issuer": lambda: make_token(iss="https://evil.example"),
        "wrong_signature": lambda: make_token(pair=other_pair),
        "alg_none": lambda: unsigned({"sub": "x", "roles": ["admin"]}, {"alg": "none"}),
        "garbage": lambda: "not-a-token",
    }
    response = await client.get("/v1/quotes", headers=bearer(tokens[kind]()))
    assert_401(response, invalid_token=True)


async def test_operations_routes_need_no_token(client: httpx.AsyncClient) -> None:
    assert (await client.get("/healthz")).status_code == 200
    assert (await client.get("/openapi.json")).status_code == 200


async def test_a_role_outside_the_route_answers_403(
    client: httpx.AsyncClient, make_token: TokenFactory
) -> None:
    response = await client.post("/v1/quotes/q-1/approval", headers=bearer(make_token(Role.VIEWER)))
    assert response.status_code == 403
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["type"].endswith("/forbidden")


@pytest.mark.parametrize("role", [Role.ADMIN, Role.FINANCE])
async def test_an_allowed_role_passes(
    client: httpx.AsyncClient, make_token: TokenFactory, role: Role
) -> None:
    response = await client.post("/v1/quotes/q-1/approval", headers=bearer(make_token(role)))
    assert response.status_code == 200
    assert response.json() == {"approved_by": f"dev:{role.value}"}


async def test_a_member_lists_only_its_own_quotes_even_when_filtering_for_another(
    client: httpx.AsyncClient, make_token: TokenFactory
) -> None:
    headers = bearer(make_token(Role.MEMBER, member_id="m-1"))
    assert (await client.get("/v1/quotes", headers=headers)).json() == ["q-1", "q-3"]
    assert (await client.get("/v1/quotes", params={"member_id": "m-2"}, headers=headers)).json() == [
        "q-1",
        "q-3",
    ]


async def test_staff_see_every_member_and_may_filter(
    client: httpx.AsyncClient, make_token: TokenFactory
) -> None:
    headers = bearer(make_token(Role.VIEWER))
    assert (await client.get("/v1/quotes", headers=headers)).json() == ["q-1", "q-2", "q-3"]
    assert (await client.get("/v1/quotes", params={"member_id": "m-2"}, headers=headers)).json() == ["q-2"]


async def test_another_members_quote_is_a_404_like_a_missing_one(
    client: httpx.AsyncClient, make_token: TokenFactory
) -> None:
    headers = bearer(make_token(Role.MEMBER, member_id="m-1"))
    assert (await client.get("/v1/quotes/q-1", headers=headers)).status_code == 200
    other = await client.get("/v1/quotes/q-2", headers=headers)
    missing = await client.get("/v1/quotes/q-404", headers=headers)
    assert other.status_code == missing.status_code == 404
    assert other.json()["detail"] == missing.json()["detail"]


async def test_disabled_authentication_treats_everyone_as_a_development_admin() -> None:
    app = build_app(Authenticator(None, enabled=False))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client:
        response = await client.post("/v1/quotes/q-1/approval")
    assert response.json() == {"approved_by": "dev:anonymous"}


async def test_a_route_wired_without_install_security_fails_closed() -> None:
    app = create_app(
        title="t",
        service_label="t",
        routers=[quotes_router()],
        readiness=[],
        lifespan=None,
        max_request_bytes=4096,
    )
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        assert (await client.get("/v1/quotes")).status_code == 500


def test_contractor_isolation() -> None:
    contractor = Principal("c", "C", frozenset({Role.CONTRACTOR}), contractor_id="acme")
    assert contractor_filter(contractor, "other") == "acme"
    ensure_contractor_owns(contractor, "acme")
    with pytest.raises(NotFound):
        ensure_contractor_owns(contractor, "other")
    staff = Principal("s", "S", frozenset({Role.FINANCE}))
    assert contractor_filter(staff, "other") == "other"
    ensure_member_owns(staff, "any-member")
