"""A small demo data set, created through the public API so it follows every real rule.

Three EPCIs of the Nord and Pas-de-Calais (real SIRENs, checksummed SIRETs) adhering to the competence,
a few items of the ENT contract's price list, and one marketplace flow carried to a member invoice.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from decimal import Decimal
from typing import Any

import httpx

from shared.clock import paris_today

log = logging.getLogger(__name__)

MEMBERS: list[dict[str, Any]] = [
    {
        "kind": "epci",
        "name": "Métropole Européenne de Lille",
        "siren": "200093201",
        "siret": "20009320100016",
        "address": {"line1": "2 boulevard des Cités Unies", "postcode": "59000", "city": "Lille"},
        "service_code": "DSI-ENT",
        "chorus_requirement": "service_code",
    },
    {
        "kind": "epci",
        "name": "Communauté d'agglomération du Boulonnais",
        "siren": "246200364",
        "siret": "24620036400015",
        "address": {
            "line1": "1 boulevard du Bassin Napoléon",
            "postcode": "62200",
            "city": "Boulogne-sur-Mer",
        },
        "chorus_requirement": "commitment_number",
    },
    {
        "kind": "epci",
        "name": "Communauté de communes de Flandre Intérieure",
        "siren": "200040947",
        "siret": "20004094700018",
        "address": {"line1": "222 bis rue de Vieux-Berquin", "postcode": "59190", "city": "Hazebrouck"},
        "chorus_requirement": "none",
    },
]

CATALOGUE: list[dict[str, Any]] = [
    {
        "code": "BPU-FORM-ADM",
        "label": "Formation des administrateurs ENT (demi-journée)",
        "unit": "demi-journée",
        "unit_price": "450.00",
    },
    {
        "code": "BPU-CONN-SSO",
        "label": "Connecteur SSO spécifique vers un portail de collectivité",
        "unit": "forfait",
        "unit_price": "2800.00",
    },
    {
        "code": "CAT-APP-PACK",
        "label": "Pack de communication application mobile (affiches, guides)",
        "unit": "pack",
        "unit_price": "120.00",
    },
]


async def seed(client: httpx.AsyncClient) -> str | None:
    """Create the demo data unless the members service already has members.

    Returns the id of the member the demo's marketplace flow ran for (the one the printed member
    token is bound to), or the first member when the data was already there.
    """
    existing = _ok(await client.get("/v1/members", params={"limit": 1}))
    if existing["items"]:
        log.info("demo data already present")
        return str(existing["items"][0]["id"])
    today = paris_today()
    year_start = dt.date(today.year, 1, 1)
    member_ids = []
    for body in MEMBERS:
        member = _ok(await client.post("/v1/members", json=body))
        adhesion = _ok(
            await client.post(
                f"/v1/members/{member['id']}/adhesions",
                json={
                    "deliberation_number": f"{today.year}-DEL-{len(member_ids) + 12}",
                    "deliberation_date": (year_start - dt.timedelta(days=60)).isoformat(),
                    "effective_date": year_start.isoformat(),
                    "option": "base_and_flat" if len(member_ids) == 0 else "base",
                },
            )
        )
        _ok(
            await client.post(
                f"/v1/adhesions/{adhesion['id']}/committee-vote",
                json={
                    "session_date": (year_start - dt.timedelta(days=30)).isoformat(),
                    "votes_for": 41,
                    "votes_against": 3,
                    "abstentions": 4,
                },
            )
        )
        member_ids.append(member["id"])
    for item in CATALOGUE:
        _ok(
            await client.post(
                "/v1/catalogue/items",
                json={
                    **item,
                    "vat_category": "S",
                    "vat_rate": "20.00",
                    "source": "BPU" if item["code"].startswith("BPU") else "catalogue",
                    "contract_reference": "HDF-ENT-2024-01",
                    "valid_from": year_start.isoformat(),
                },
            )
        )
    await _one_flow(client, member_ids[2], today)
    log.info(
        "demo data created: %d members, %d catalogue items, one marketplace flow",
        len(member_ids),
        len(CATALOGUE),
    )
    return str(member_ids[2])


async def _one_flow(client: httpx.AsyncClient, member_id: str, today: dt.date) -> None:
    await _until(lambda: _eligible(client, member_id))
    quote = _ok(
        await client.post(
            "/v1/quotes",
            json={
                "member_id": member_id,
                "valid_until": (today + dt.timedelta(days=30)).isoformat(),
                "lines": [
                    {"item_code": "BPU-FORM-ADM", "quantity": "2"},
                    {"item_code": "CAT-APP-PACK", "quantity": "3"},
                ],
            },
        )
    )
    _ok(await client.post(f"/v1/quotes/{quote['id']}/send"))
    accepted = _ok(
        await client.post(f"/v1/quotes/{quote['id']}/accept", json={"accepted_by": "Marie Durand, DGS"})
    )
    po_number = accepted["purchase_order"]["po_number"]
    await _until(lambda: _billing_po(client, po_number))
    order = _ok(await client.get(f"/v1/purchase-orders/{po_number}"))
    _ok(
        await client.post(
            f"/v1/purchase-orders/{po_number}/attestations",
            json={
                "attested_on": today.isoformat(),
                "attested_by": "Service ENT du syndicat",
                "lines": [
                    {"line_no": line["line_no"], "quantity": line["quantity"]} for line in order["lines"]
                ],
            },
        )
    )
    po = await _until(lambda: _billing_po_attested(client, po_number))
    lines = [
        {
            key: line[key]
            for key in (
                "line_no",
                "item_code",
                "label",
                "unit",
                "quantity",
                "unit_price",
                "vat_category",
                "vat_rate",
            )
        }
        for line in po["lines"]
    ]
    total = sum((Decimal(line["quantity"]) * Decimal(line["unit_price"]) for line in lines), Decimal("0"))
    _ok(
        await client.post(
            "/v1/supplier-invoices",
            json={
                "supplier_invoice_number": f"OPEN-{today.year}-0001",
                "po_number": po_number,
                "issue_date": today.isoformat(),
                "lines": lines,
                "total_excl_tax": f"{total:.2f}",
            },
        )
    )


async def _eligible(client: httpx.AsyncClient, member_id: str) -> dict[str, Any] | None:
    response = await client.get(f"/v1/quote-eligibility/{member_id}")
    return response.json() if response.status_code == 200 and response.json().get("active") else None


async def _billing_po(client: httpx.AsyncClient, po_number: str) -> dict[str, Any] | None:
    response = await client.get(f"/v1/billing/purchase-orders/{po_number}")
    return response.json() if response.status_code == 200 else None


async def _billing_po_attested(client: httpx.AsyncClient, po_number: str) -> dict[str, Any] | None:
    po = await _billing_po(client, po_number)
    if po and all(Decimal(line["attested_quantity"]) == Decimal(line["quantity"]) for line in po["lines"]):
        return po
    return None


async def _until(probe: Any, patience: float = 30.0) -> Any:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + patience
    while loop.time() < deadline:
        result = await probe()
        if result:
            return result
        await asyncio.sleep(0.1)
    raise TimeoutError("the demo data did not propagate between services in time")


def _ok(response: httpx.Response) -> Any:
    if response.status_code >= 300:
        raise RuntimeError(
            f"demo seeding failed: {response.request.method} {response.request.url} -> "
            f"{response.status_code} {response.text}"
        )
    return response.json() if response.content else None
