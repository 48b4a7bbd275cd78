"""Builders of valid members and adhesions for tests (real SIREN/SIRET numbers with valid checksums)."""

from __future__ import annotations

import itertools
from typing import Any

import httpx

from services.members.domain.identifiers import luhn_valid

_counter = itertools.count(1)


def valid_siren(seed: int) -> str:
    """A Luhn-valid SIREN derived from `seed` (the first 8 digits), unique per seed."""
    base = f"2{seed:07d}"[:8]
    for check in range(10):
        candidate = base + str(check)
        if luhn_valid(candidate):
            return candidate
    raise AssertionError("unreachable: one check digit always fits")


def valid_siret(siren: str, establishment: int = 1) -> str:
    base = f"{siren}{establishment:04d}"
    for check in range(10):
        if luhn_valid(base + str(check)):
            return base + str(check)
    raise AssertionError("unreachable")


def member_body(seed: int | None = None, **overrides: Any) -> dict[str, Any]:
    seed = seed if seed is not None else next(_counter) + 1000
    siren = valid_siren(seed)
    body: dict[str, Any] = {
        "kind": "epci",
        "name": f"Communauté de communes n°{seed}",
        "siren": siren,
        "siret": valid_siret(siren),
        "address": {"line1": "1 place de la Mairie", "postcode": "59000", "city": "Lille"},
        "chorus_requirement": "none",
    }
    body.update(overrides)
    return body


async def register_adhering_member(
    client: httpx.AsyncClient, seed: int | None = None, **overrides: Any
) -> str:
    """Register a member and get its adhesion approved by the Comité; returns the member id."""
    response = await client.post("/v1/members", json=member_body(seed, **overrides))
    assert response.status_code == 201, response.text
    member_id = response.json()["id"]
    response = await client.post(
        f"/v1/members/{member_id}/adhesions",
        json={
            "deliberation_number": "DEL-2026-01",
            "deliberation_date": "2026-01-15",
            "effective_date": "2026-02-01",
            "option": "base",
        },
    )
    assert response.status_code == 201, response.text
    response = await client.post(
        f"/v1/adhesions/{response.json()['id']}/committee-vote",
        json={"session_date": "2026-01-20", "votes_for": 30, "votes_against": 3, "abstentions": 2},
    )
    assert response.status_code == 200 and response.json()["status"] == "approved", response.text
    return member_id


def valid_uai(serial: int, department: int = 59) -> str:
    """A UAI with a correct check letter: 0 + département on 2 digits + a 4-digit serial."""
    from services.members.domain.identifiers import uai_check_letter

    digits = f"0{department:02d}{serial:04d}"
    return digits + uai_check_letter(digits)


def outbox_types(rows) -> list[str]:
    return [row.routing_key for row in rows]


async def adhere(
    client: httpx.AsyncClient,
    member_id: str,
    *,
    effective_date: str = "2026-03-01",
    deliberation_date: str = "2026-01-10",
    session_date: str = "2026-02-01",
    option: str = "base",
    number: str = "DEL-ADH",
) -> dict[str, Any]:
    """The member's deliberation then an approving Comité vote; returns the approved adhesion."""
    response = await client.post(
        f"/v1/members/{member_id}/adhesions",
        json={
            "deliberation_number": number,
            "deliberation_date": deliberation_date,
            "effective_date": effective_date,
            "option": option,
        },
    )
    assert response.status_code == 201, response.text
    vote = await client.post(
        f"/v1/adhesions/{response.json()['id']}/committee-vote",
        json={"session_date": session_date, "votes_for": 30, "votes_against": 3, "abstentions": 2},
    )
    assert vote.status_code == 200 and vote.json()["status"] == "approved", vote.text
    return vote.json()


async def committee_deliberation(
    client: httpx.AsyncClient, number: str, date: str = "2025-12-10", subject: str = "Contributions"
) -> dict[str, Any]:
    response = await client.post(
        "/v1/deliberations",
        json={"number": number, "date": date, "assembly": "committee", "subject": subject},
    )
    assert response.status_code == 201, response.text
    return response.json()


async def new_member(client: httpx.AsyncClient, seed: int, **overrides: Any) -> str:
    response = await client.post("/v1/members", json=member_body(seed, **overrides))
    assert response.status_code == 201, response.text
    return response.json()["id"]
