"""One marketplace flow through the public HTTP APIs, as a member, the syndicate and the contractor would."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx

from launcher.tokens import dev_token
from shared.security.principal import Role
from tests.members.helpers import member_body

CATALOGUE_ITEM = {
    "code": "BPU-FORM-ADM",
    "label": "Formation des administrateurs ENT (demi-journée)",
    "unit": "demi-journée",
    "unit_price": "450.00",
    "vat_category": "S",
    "vat_rate": "20.00",
    "source": "BPU",
    "contract_reference": "HDF-ENT-2024-01",
    "valid_from": "2026-01-01",
}


class Endpoints:
    """The three services' clients (sending a staff token) and the keys to act as a member or the
    contractor: the member accepts its own quote, the contractor submits its own invoice."""

    def __init__(
        self,
        members: httpx.AsyncClient,
        orders: httpx.AsyncClient,
        billing: httpx.AsyncClient,
        *,
        as_role: Callable[..., dict[str, str]],
    ) -> None:
        self.members, self.orders, self.billing = members, orders, billing
        # as_role(role, member_id=..., contractor_id=...) -> the Authorization header of that caller
        self.as_role = as_role


def dev_headers(key_dir: Path) -> Callable[..., dict[str, str]]:
    """Headers carrying development tokens signed by the pair in `key_dir` (separate processes)."""

    def as_role(role: Role, **binding: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {dev_token(role, key_dir=key_dir, **binding)}"}

    return as_role


async def until(probe: Any, timeout: float = 60.0, interval: float = 0.05) -> Any:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        result = await probe()
        if result:
            return result
        if loop.time() > deadline:
            raise TimeoutError(f"{probe} still false after {timeout}s")
        await asyncio.sleep(interval)


def ok(response: httpx.Response, status: int = 200) -> Any:
    assert response.status_code == status, (
        f"{response.request.method} {response.request.url}: {response.text}"
    )
    return response.json()


async def run_flow(api: Endpoints, seed: int, today: dt.date) -> dict[str, str]:
    """Member registered and adhering → quote accepted → PO → supplier invoice → member invoice."""
    member = ok(await api.members.post("/v1/members", json=member_body(seed)), 201)
    adhesion = ok(
        await api.members.post(
            f"/v1/members/{member['id']}/adhesions",
            json={
                "deliberation_number": f"DEL-{seed}",
                "deliberation_date": "2026-01-05",
                "effective_date": "2026-01-10",
            },
        ),
        201,
    )
    ok(
        await api.members.post(
            f"/v1/adhesions/{adhesion['id']}/committee-vote",
            json={"session_date": "2026-01-08", "votes_for": 30, "votes_against": 2},
        )
    )

    async def eligible() -> bool:
        response = await api.orders.get(f"/v1/quote-eligibility/{member['id']}")
        return response.status_code == 200 and response.json()["active"]

    await until(eligible)
    quote = ok(
        await api.orders.post(
            "/v1/quotes",
            json={
                "member_id": member["id"],
                "valid_until": (today + dt.timedelta(days=30)).isoformat(),
                "lines": [{"item_code": CATALOGUE_ITEM["code"], "quantity": "2"}],
            },
        ),
        201,
    )
    ok(await api.orders.post(f"/v1/quotes/{quote['id']}/send"))
    accepted = ok(
        await api.orders.post(
            f"/v1/quotes/{quote['id']}/accept",
            json={"accepted_by": f"DGS {seed}"},
            headers=api.as_role(Role.MEMBER, member_id=member["id"]),
        )
    )
    po_number = accepted["purchase_order"]["po_number"]

    async def known_to_billing() -> dict[str, Any] | None:
        response = await api.billing.get(f"/v1/billing/purchase-orders/{po_number}")
        return response.json() if response.status_code == 200 else None

    await until(known_to_billing)
    # Service done (service fait) for everything ordered; billing matches the invoice against it.
    order = ok(await api.orders.get(f"/v1/purchase-orders/{po_number}"))
    ok(
        await api.orders.post(
            f"/v1/purchase-orders/{po_number}/attestations",
            json={
                "attested_on": today.isoformat(),
                "attested_by": "Service ENT du syndicat",
                "lines": [
                    {"line_no": line["line_no"], "quantity": line["quantity"]} for line in order["lines"]
                ],
            },
        ),
        201,
    )

    async def attested_in_billing() -> dict[str, Any] | None:
        found = await known_to_billing()
        if found and all(
            Decimal(line["attested_quantity"]) == Decimal(line["quantity"]) for line in found["lines"]
        ):
            return found
        return None

    po = await until(attested_in_billing)
    lines = [
        {
            k: line[k]
            for k in (
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
    total = sum((Decimal(line["quantity"]) * Decimal(line["unit_price"]) for line in lines), Decimal(0))
    ok(
        await api.billing.post(
            "/v1/supplier-invoices",
            json={
                "supplier_invoice_number": f"TIT-{seed}",
                "po_number": po_number,
                "issue_date": today.isoformat(),
                "lines": lines,
                "total_excl_tax": f"{total:.2f}",
            },
            headers=api.as_role(Role.CONTRACTOR, contractor_id="TITULAIRE-ENT"),
        ),
        201,
    )

    async def invoiced() -> dict[str, Any] | None:
        response = await api.billing.get("/v1/invoices", params={"po_number": po_number})
        items = response.json()["items"] if response.status_code == 200 else []
        return items[0] if items else None

    invoice = await until(invoiced)
    return {
        "member_id": member["id"],
        "quote_id": quote["id"],
        "po_number": po_number,
        "invoice_id": invoice["id"],
        "invoice_number": invoice["number"],
        "due_date": invoice["due_date"],
    }


async def all_pages(client: httpx.AsyncClient, path: str, **params: Any) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    cursor = None
    while True:
        query = {"limit": 200, **params, **({"cursor": cursor} if cursor else {})}
        page = ok(await client.get(path, params=query))
        items.extend(page["items"])
        cursor = page.get("next_cursor")
        if not cursor:
            return items
