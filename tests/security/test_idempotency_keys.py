"""Idempotency keys on a POST that moves money: replay, conflict, in progress, crash behaviour."""

from __future__ import annotations

import asyncio
import datetime as dt
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
from fastapi import APIRouter, Depends, FastAPI, Response, status
from sqlalchemy import Column, String, Table, func, select

from shared.db import Database, new_metadata
from shared.errors import BusinessRuleViolation
from shared.http.app import create_app
from shared.idempotency import (
    Claim,
    IdempotencyFenceLost,
    IdempotencyStore,
    StoredResponse,
    idempotency_table,
    request_fingerprint,
)
from shared.security.dependencies import Authenticator, current_principal, install_security
from shared.security.inputs import PositiveAmount, StrictInput
from shared.security.principal import Role
from shared.security.tokens import TokenVerifier
from tests.security.conftest import TokenFactory, bearer
from tests.security.databases import BACKENDS, database_url


class PaymentIn(StrictInput):
    amount: PositiveAmount
    label: str = ""


@dataclass
class Rig:
    client: httpx.AsyncClient
    db: Database
    store: IdempotencyStore
    payments: Table
    now: list[dt.datetime]
    gate: asyncio.Event = field(default_factory=asyncio.Event)
    entered: asyncio.Event = field(default_factory=asyncio.Event)

    async def effects(self) -> int:
        async with self.db.sessionmaker() as session:
            return int((await session.execute(select(func.count()).select_from(self.payments))).scalar_one())


def build_app(
    rig_box: dict, store: IdempotencyStore, db: Database, payments: Table, verifier: TokenVerifier
) -> FastAPI:
    router = APIRouter(prefix="/v1", dependencies=[Depends(current_principal)])

    @router.post("/payments", status_code=status.HTTP_201_CREATED)
    async def pay(body: PaymentIn, response: Response) -> dict[str, str]:
        if body.amount > 1000:
            raise BusinessRuleViolation("above the limit", field="amount")
        if body.label == "boom":
            raise RuntimeError("the database went away")
        if body.label == "slow":
            rig_box["rig"].entered.set()
            await rig_box["rig"].gate.wait()
        payment_id = str(uuid.uuid4())
        async with db.sessionmaker() as session, session.begin():
            await session.execute(payments.insert().values(id=payment_id, amount=str(body.amount)))
        response.headers["Location"] = f"/v1/payments/{payment_id}"
        return {"id": payment_id, "amount": format(body.amount, "f")}

    app = create_app(
        title="t",
        service_label="t",
        routers=[router],
        readiness=[],
        lifespan=None,
        max_request_bytes=8192,
        idempotency=store,  # every POST /v1 of the app, as in the services
    )
    install_security(app, Authenticator(verifier))
    return app


@pytest.fixture(params=BACKENDS)
async def rig(request: pytest.FixtureRequest, tmp_path: Path, verifier: TokenVerifier) -> AsyncIterator[Rig]:
    async with database_url(request.param, tmp_path) as url:
        metadata = new_metadata()
        keys = idempotency_table(metadata)
        payments = Table(
            "payments", metadata, Column("id", String(36), primary_key=True), Column("amount", String(20))
        )
        db = Database(url)
        async with db.engine.begin() as conn:
            await conn.run_sync(metadata.create_all)
        now = [dt.datetime(2025, 3, 1, 9, 0, tzinfo=dt.UTC)]
        store = IdempotencyStore(db, keys, clock=lambda: now[0])
        box: dict = {}
        app = build_app(box, store, db, payments, verifier)
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            box["rig"] = Rig(client, db, store, payments, now)
            yield box["rig"]
        await db.dispose()


def headers(make_token: TokenFactory, key: str, role: Role = Role.FINANCE, **token) -> dict[str, str]:
    return {**bearer(make_token(role, **token)), "Idempotency-Key": key}


async def test_same_key_and_body_replays_the_first_answer(rig: Rig, make_token: TokenFactory) -> None:
    first = await rig.client.post(
        "/v1/payments", json={"amount": "12.50"}, headers=headers(make_token, "k-1")
    )
    again = await rig.client.post(
        "/v1/payments", json={"amount": "12.50"}, headers=headers(make_token, "k-1")
    )
    assert first.status_code == again.status_code == 201
    assert again.content == first.content
    assert again.headers["content-type"] == first.headers["content-type"] == "application/json"
    assert again.headers["location"] == first.headers["location"]
    assert again.headers["idempotent-replayed"] == "true" and "idempotent-replayed" not in first.headers
    assert await rig.effects() == 1


async def test_the_same_json_written_differently_is_the_same_request(
    rig: Rig, make_token: TokenFactory
) -> None:
    h = {**headers(make_token, "k-2"), "Content-Type": "application/json"}
    first = await rig.client.post("/v1/payments", content=b'{"amount": "5.00", "label": "x"}', headers=h)
    again = await rig.client.post("/v1/payments", content=b'{"label":"x","amount":"5.00"}', headers=h)
    assert again.json() == first.json() and await rig.effects() == 1


async def test_same_key_with_another_body_is_a_422(rig: Rig, make_token: TokenFactory) -> None:
    await rig.client.post("/v1/payments", json={"amount": "12.50"}, headers=headers(make_token, "k-3"))
    other = await rig.client.post(
        "/v1/payments", json={"amount": "99.00"}, headers=headers(make_token, "k-3")
    )
    assert other.status_code == 422
    assert other.headers["content-type"] == "application/problem+json"
    assert other.json()["type"].endswith("/idempotency-key-reused")
    assert await rig.effects() == 1


async def test_keys_belong_to_their_caller(rig: Rig, make_token: TokenFactory) -> None:
    mine = await rig.client.post("/v1/payments", json={"amount": "1.00"}, headers=headers(make_token, "k-4"))
    theirs = await rig.client.post(
        "/v1/payments", json={"amount": "1.00"}, headers=headers(make_token, "k-4", Role.ADMIN)
    )
    assert mine.status_code == theirs.status_code == 201 and mine.json() != theirs.json()
    assert await rig.effects() == 2


async def test_while_the_first_runs_the_same_key_is_a_409(rig: Rig, make_token: TokenFactory) -> None:
    body = {"amount": "3.00", "label": "slow"}
    first = asyncio.create_task(
        rig.client.post("/v1/payments", json=body, headers=headers(make_token, "k-5"))
    )
    await asyncio.wait_for(rig.entered.wait(), 10)
    during = await rig.client.post("/v1/payments", json=body, headers=headers(make_token, "k-5"))
    assert during.status_code == 409
    assert during.json()["type"].endswith("/idempotency-key-in-progress")
    rig.gate.set()
    assert (await first).status_code == 201
    after = await rig.client.post("/v1/payments", json=body, headers=headers(make_token, "k-5"))
    assert after.status_code == 201 and after.json() == (await first).json()
    assert await rig.effects() == 1


async def test_a_refused_request_releases_its_key(rig: Rig, make_token: TokenFactory) -> None:
    refused = await rig.client.post(
        "/v1/payments", json={"amount": "5000.00"}, headers=headers(make_token, "k-6")
    )
    assert refused.status_code == 422
    invalid = await rig.client.post("/v1/payments", json={"amount": 1.5}, headers=headers(make_token, "k-6"))
    assert invalid.status_code == 422  # a float amount: refused by the schema, nothing happened either
    corrected = await rig.client.post(
        "/v1/payments", json={"amount": "50.00"}, headers=headers(make_token, "k-6")
    )
    assert corrected.status_code == 201 and await rig.effects() == 1


async def test_an_unexpected_failure_keeps_the_key_answering_409(rig: Rig, make_token: TokenFactory) -> None:
    body = {"amount": "5.00", "label": "boom"}
    assert (
        await rig.client.post("/v1/payments", json=body, headers=headers(make_token, "k-7"))
    ).status_code == 500
    retry = await rig.client.post("/v1/payments", json=body, headers=headers(make_token, "k-7"))
    assert retry.status_code == 409 and "outcome is unknown" in retry.json()["detail"]


async def test_a_crash_before_completion_answers_409_until_the_key_expires(
    rig: Rig, make_token: TokenFactory
) -> None:
    # The process died after the claim (and maybe after the effect): the row stays in progress.
    body = {"amount": "7.00"}
    fingerprint = request_fingerprint(
        method="POST",
        path="/v1/payments",
        query="",
        subject="dev:finance",
        body=b'{"amount":"7.00"}',
        content_type="application/json",
    )
    assert isinstance(await rig.store.claim(subject="dev:finance", key="k-8", fingerprint=fingerprint), Claim)
    rig.now[0] += dt.timedelta(hours=23)
    assert (
        await rig.client.post("/v1/payments", json=body, headers=headers(make_token, "k-8"))
    ).status_code == 409
    rig.now[0] += dt.timedelta(hours=1, seconds=1)
    assert (
        await rig.client.post("/v1/payments", json=body, headers=headers(make_token, "k-8"))
    ).status_code == 201


async def test_answers_are_kept_24_hours_then_purged(rig: Rig, make_token: TokenFactory) -> None:
    await rig.client.post("/v1/payments", json={"amount": "1.00"}, headers=headers(make_token, "k-9"))
    rig.now[0] += dt.timedelta(hours=23, minutes=59)
    assert await rig.store.purge_expired() == 0
    replay = await rig.client.post(
        "/v1/payments", json={"amount": "1.00"}, headers=headers(make_token, "k-9")
    )
    assert replay.headers.get("idempotent-replayed") == "true"
    rig.now[0] += dt.timedelta(minutes=2)
    assert await rig.store.purge_expired() == 1


async def test_without_a_key_each_post_acts(rig: Rig, make_token: TokenFactory) -> None:
    for _ in range(2):
        response = await rig.client.post(
            "/v1/payments", json={"amount": "1.00"}, headers=bearer(make_token())
        )
        assert response.status_code == 201
    assert await rig.effects() == 2


async def test_a_malformed_key_is_a_validation_error(rig: Rig, make_token: TokenFactory) -> None:
    response = await rig.client.post(
        "/v1/payments", json={"amount": "1.00"}, headers=headers(make_token, "a" * 201)
    )
    assert response.status_code == 422 and await rig.effects() == 0


async def test_the_key_needs_a_valid_token_first(rig: Rig) -> None:
    response = await rig.client.post(
        "/v1/payments", json={"amount": "1.00"}, headers={"Idempotency-Key": "k"}
    )
    assert response.status_code == 401


async def test_the_header_is_documented(rig: Rig) -> None:
    operation = (await rig.client.get("/openapi.json")).json()["paths"]["/v1/payments"]["post"]
    assert any(p["name"] == "Idempotency-Key" and p["in"] == "header" for p in operation["parameters"])


async def test_completion_inside_the_effects_transaction_is_fenced(rig: Rig) -> None:
    answer = StoredResponse(201, b"{}", "application/json", {})
    claim = await rig.store.claim(subject="s", key="k-10", fingerprint="f" * 64)
    assert isinstance(claim, Claim)
    async with rig.db.sessionmaker() as session, session.begin():
        await session.execute(rig.payments.insert().values(id="p-1", amount="1"))
        await rig.store.complete(claim, answer, session=session)
    assert await rig.store.claim(subject="s", key="k-10", fingerprint="f" * 64) == answer
    stale = Claim(subject="s", key="k-10", token=uuid.uuid4())
    with pytest.raises(IdempotencyFenceLost):
        async with rig.db.sessionmaker() as session, session.begin():
            await session.execute(rig.payments.insert().values(id="p-2", amount="1"))
            await rig.store.complete(stale, answer, session=session)
    assert await rig.effects() == 1  # the fenced-out effect rolled back with its transaction


def test_keys_are_kept_at_least_a_day() -> None:
    with pytest.raises(ValueError):
        IdempotencyStore(None, None, retention=dt.timedelta(hours=1))  # type: ignore[arg-type]
