"""Builders for orders tests: catalogue items, adhering members known to orders, sent quotes.

Dates are relative to today (Paris), since the service judges prices, validity and adhesion on it.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from typing import Any

import httpx

from shared.clock import paris_today
from tests.members.helpers import member_body

TODAY = paris_today()


def days(n: int) -> str:
    return (TODAY + dt.timedelta(days=n)).isoformat()


def item_body(code: str = "ONE-LIC", **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "code": code,
        "label": "Licence ONE par école et par an",
        "unit": "école/an",
        "unit_price": "120.50",
        "vat_category": "S",
        "vat_rate": "20.00",
        "source": "BPU",
        "contract_reference": "MARCHE-ENT-2024-001",
        "valid_from": days(-30),
    }
    body.update(overrides)
    return body


async def add_item(client: httpx.AsyncClient, code: str = "ONE-LIC", **overrides: Any) -> dict[str, Any]:
    response = await client.post("/v1/catalogue/items", json=item_body(code, **overrides))
    assert response.status_code == 201, response.text
    return response.json()


async def register_adhering_member(
    client: httpx.AsyncClient, seed: int, *, effective_in_days: int = -10, **overrides: Any
) -> str:
    """Through the members API: register, deliberate, get the Comité's approval. Returns the member id."""
    response = await client.post("/v1/members", json=member_body(seed, **overrides))
    assert response.status_code == 201, response.text
    member_id = response.json()["id"]
    effective = TODAY + dt.timedelta(days=effective_in_days)
    deliberation = effective - dt.timedelta(days=30)
    response = await client.post(
        f"/v1/members/{member_id}/adhesions",
        json={
            "deliberation_number": f"DEL-{seed}",
            "deliberation_date": deliberation.isoformat(),
            "effective_date": effective.isoformat(),
        },
    )
    assert response.status_code == 201, response.text
    response = await client.post(
        f"/v1/adhesions/{response.json()['id']}/committee-vote",
        json={
            "session_date": (deliberation + dt.timedelta(days=5)).isoformat(),
            "votes_for": 30,
            "votes_against": 3,
        },
    )
    assert response.json()["status"] == "approved", response.text
    return member_id


async def wait_for_eligibility(
    client: httpx.AsyncClient, member_id: str, *, active: bool = True, timeout: float = 15.0, **params: str
) -> dict[str, Any]:
    """Poll orders' read model until the members events reached it."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        response = await client.get(f"/v1/quote-eligibility/{member_id}", params=params)
        assert response.status_code == 200, response.text
        if response.json()["active"] is active:
            return response.json()
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"read model did not reach active={active}: {response.json()}")
        await asyncio.sleep(0.05)


async def adhering_member_known_to_orders(client: httpx.AsyncClient, seed: int, **overrides: Any) -> str:
    member_id = await register_adhering_member(client, seed, **overrides)
    await wait_for_eligibility(client, member_id)
    return member_id


async def sent_quote(
    client: httpx.AsyncClient,
    member_id: str,
    lines: list[dict[str, Any]] | None = None,
    valid_in_days: int = 30,
) -> dict[str, Any]:
    response = await client.post(
        "/v1/quotes",
        json={
            "member_id": member_id,
            "lines": lines or [{"item_code": "ONE-LIC", "quantity": "3"}],
            "valid_until": days(valid_in_days),
        },
    )
    assert response.status_code == 201, response.text
    response = await client.post(f"/v1/quotes/{response.json()['id']}/send")
    assert response.status_code == 200, response.text
    return response.json()
