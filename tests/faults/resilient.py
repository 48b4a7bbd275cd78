"""One marketplace flow as a careful client runs it while things fail around it.

Every POST carries an `Idempotency-Key`; a connection error or a 5xx is retried. The key rules
(`shared/idempotency.py`) say what a retry may meet: the first answer replayed (done), or 409 "in
progress / failed" when the first attempt died half-way. Then the client does what the API tells it:
it checks the resource (`probe`) and, only if nothing happened, tries again under a new key. So a retry
never doubles anything, and a flow never stalls on a key a killed process left behind.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx

from launcher.tokens import dev_token
from shared.security.principal import Role
from tests.e2e.flow import CATALOGUE_ITEM
from tests.faults.cluster import CONTRACTOR_ID
from tests.members.helpers import member_body

Probe = Callable[[], Awaitable[Any]]
IDEMPOTENCY_CONFLICT = "idempotency-key-in-progress"


class FlowFailed(RuntimeError):
    pass


@dataclass
class Api:
    """Clients of the three services (staff token) and the tokens of the other callers, cached."""

    members: httpx.AsyncClient
    orders: httpx.AsyncClient
    billing: httpx.AsyncClient
    key_dir: Path
    run_id: str
    step_timeout: float = 300.0
    retries: Counter[str] = field(default_factory=Counter)
    _tokens: dict[tuple[Role, str], dict[str, str]] = field(default_factory=dict)

    def as_role(self, role: Role, subject: str) -> dict[str, str]:
        if (role, subject) not in self._tokens:
            binding = {"member_id": subject} if role is Role.MEMBER else {"contractor_id": subject}
            token = dev_token(role, key_dir=self.key_dir, **binding)
            self._tokens[(role, subject)] = {"Authorization": f"Bearer {token}"}
        return self._tokens[(role, subject)]

    async def _pause(self, attempt: int) -> None:
        await asyncio.sleep(min(2.0, 0.1 * 1.6**attempt))

    async def get(self, client: httpx.AsyncClient, path: str, **params: Any) -> Any | None:
        """The JSON of a GET, None on 404; connection errors and 5xx are retried until the deadline."""
        deadline = time.monotonic() + self.step_timeout
        attempt = 0
        while True:
            try:
                response = await client.get(path, params=params or None)
                if response.status_code == 404:
                    return None
                if response.status_code < 500:
                    if response.status_code != 200:
                        raise FlowFailed(f"GET {path}: {response.status_code} {response.text[:300]}")
                    return response.json()
                self.retries["get_5xx"] += 1
            except httpx.TransportError:
                self.retries["get_connection"] += 1
            if time.monotonic() > deadline:
                raise FlowFailed(f"GET {path}: no answer in {self.step_timeout} s")
            attempt += 1
            await self._pause(attempt)

    async def post(
        self,
        client: httpx.AsyncClient,
        path: str,
        body: dict[str, Any],
        *,
        key: str,
        probe: Probe,
        headers: dict[str, str] | None = None,
    ) -> Any:
        """POST until it is done once: the answer, or what `probe` finds when an attempt's outcome was
        unknown. A 4xx that is not about the key means the request is wrong, unless the probe shows an
        earlier attempt (under another key) did it."""
        deadline = time.monotonic() + self.step_timeout
        generation, conflicts, attempt = 0, 0, 0
        while True:
            attempt += 1
            attempt_key = f"{self.run_id}:{key}" + (f"~{generation}" if generation else "")
            try:
                response = await client.post(
                    path, json=body, headers={**(headers or {}), "Idempotency-Key": attempt_key}
                )
            except httpx.TransportError:
                # Did it reach the server? Same key again: a replay, a 409 or a first run.
                self.retries["post_connection"] += 1
                response = None
            if response is not None and response.status_code < 300:
                return response.json()
            if response is not None and response.status_code >= 500:
                # The key is marked failed (outcome unknown): check, then a new key if nothing happened.
                self.retries["post_5xx"] += 1
                found = await probe()
                if found:
                    self.retries["found_by_probe"] += 1
                    return found
                generation += 1
            elif (
                response is not None and response.status_code == 409 and IDEMPOTENCY_CONFLICT in response.text
            ):
                # The first attempt is running, or died with the process that ran it.
                self.retries["post_key_in_progress"] += 1
                conflicts += 1
                if conflicts >= 3:
                    found = await probe()
                    if found:
                        self.retries["found_by_probe"] += 1
                        return found
                    self.retries["new_key"] += 1
                    generation, conflicts = generation + 1, 0
            elif response is not None:
                found = await probe()
                if found:
                    self.retries["found_by_probe"] += 1
                    return found
                raise FlowFailed(f"POST {path}: {response.status_code} {response.text[:300]}")
            if time.monotonic() > deadline:
                raise FlowFailed(f"POST {path}: not done in {self.step_timeout} s")
            await self._pause(min(attempt, 6) if response is None else 5)

    async def until(self, probe: Probe, *, what: str, timeout: float | None = None) -> Any:
        deadline = time.monotonic() + (timeout or self.step_timeout)
        interval = 0.03
        while True:
            found = await probe()
            if found:
                return found
            if time.monotonic() > deadline:
                raise FlowFailed(f"{what}: not seen in {timeout or self.step_timeout} s")
            await asyncio.sleep(interval)
            interval = min(0.5, interval * 1.3)


@dataclass
class FlowResult:
    seed: int
    started: float  # time.time() on the client
    finished: float = 0.0
    member_id: str = ""
    quote_id: str = ""
    po_number: str = ""
    supplier_invoice_id: str = ""
    invoice_number: str = ""
    accepted_at: str = ""  # the server's acceptance time (ISO)
    steps: dict[str, float] = field(default_factory=dict)  # client-side seconds per step


async def add_catalogue_item(api: Api) -> None:
    async def present() -> Any:
        items = await api.get(api.orders, "/v1/catalogue/items")
        found = items["items"] if isinstance(items, dict) else items
        return [i for i in found or [] if i["code"] == CATALOGUE_ITEM["code"]]

    await api.post(api.orders, "/v1/catalogue/items", CATALOGUE_ITEM, key="catalogue", probe=present)


async def run_flow(api: Api, seed: int, today: dt.date) -> FlowResult:
    """Member registered and adhering → quote sent, accepted → PO transmitted to the contractor (by
    orders, on its own) → service attested → supplier invoice → member invoice issued."""
    result = FlowResult(seed=seed, started=time.time())
    clock = time.perf_counter()

    def lap(name: str) -> None:
        nonlocal clock
        now = time.perf_counter()
        result.steps[name] = now - clock
        clock = now

    body = member_body(seed)

    async def member_found() -> Any:
        page = await api.get(api.members, "/v1/members", siren=body["siren"])
        return page["items"][0] if page and page["items"] else None

    member = await api.post(api.members, "/v1/members", body, key=f"{seed}:member", probe=member_found)
    member_id = result.member_id = member["id"]
    lap("register_member")

    async def adhesion_found() -> Any:
        adhesions = await api.get(api.members, f"/v1/members/{member_id}/adhesions")
        return adhesions[0] if adhesions else None

    adhesion = await api.post(
        api.members,
        f"/v1/members/{member_id}/adhesions",
        {
            "deliberation_number": f"DEL-{seed}",
            "deliberation_date": "2026-01-05",
            "effective_date": "2026-01-10",
        },
        key=f"{seed}:adhesion",
        probe=adhesion_found,
    )

    async def voted() -> Any:
        found = await api.get(api.members, f"/v1/adhesions/{adhesion['id']}")
        return found if found and found["status"] != "pending" else None

    await api.post(
        api.members,
        f"/v1/adhesions/{adhesion['id']}/committee-vote",
        {"session_date": "2026-01-08", "votes_for": 30, "votes_against": 2},
        key=f"{seed}:vote",
        probe=voted,
    )
    lap("adhesion_approved")

    async def eligible() -> bool:
        found = await api.get(api.orders, f"/v1/quote-eligibility/{member_id}")
        return bool(found and found["active"])

    await api.until(eligible, what=f"flow {seed}: member eligible in orders")
    lap("member_known_to_orders")

    async def quote_found() -> Any:
        page = await api.get(api.orders, "/v1/quotes", member_id=member_id)
        return page["items"][0] if page and page["items"] else None

    quote = await api.post(
        api.orders,
        "/v1/quotes",
        {
            "member_id": member_id,
            "valid_until": (today + dt.timedelta(days=30)).isoformat(),
            "lines": [{"item_code": CATALOGUE_ITEM["code"], "quantity": "2"}],
        },
        key=f"{seed}:quote",
        probe=quote_found,
    )
    quote_id = result.quote_id = quote["id"]

    async def quote_in(*statuses: str) -> Any:
        found = await api.get(api.orders, f"/v1/quotes/{quote_id}")
        return found if found and found["status"] in statuses else None

    await api.post(
        api.orders,
        f"/v1/quotes/{quote_id}/send",
        {},
        key=f"{seed}:send",
        probe=lambda: quote_in("sent", "accepted"),
    )
    lap("quote_created_and_sent")

    async def accepted() -> Any:
        found = await quote_in("accepted")
        if not found or not found["purchase_order_number"]:
            return None
        po = await api.get(api.orders, f"/v1/purchase-orders/{found['purchase_order_number']}")
        return {"quote": found, "purchase_order": po} if po else None

    acceptance = await api.post(
        api.orders,
        f"/v1/quotes/{quote_id}/accept",
        {"accepted_by": f"DGS {seed}"},
        key=f"{seed}:accept",
        probe=accepted,
        headers=api.as_role(Role.MEMBER, member_id),
    )
    po_number = result.po_number = acceptance["purchase_order"]["po_number"]
    result.accepted_at = acceptance["quote"]["accepted_at"]
    lap("quote_accepted")

    async def known_to_billing() -> Any:
        return await api.get(api.billing, f"/v1/billing/purchase-orders/{po_number}")

    await api.until(known_to_billing, what=f"flow {seed}: PO {po_number} in billing")
    lap("po_known_to_billing")

    # The contractor holds the order before the service is done (the PO is transmitted).
    async def transmitted() -> Any:
        found = await api.get(api.orders, f"/v1/purchase-orders/{po_number}")
        return found if found and found["transmission"]["transmitted_at"] else None

    order = await api.until(transmitted, what=f"flow {seed}: PO {po_number} transmitted")
    lap("po_transmitted")

    async def attested_in_orders() -> Any:
        found = await api.get(api.orders, f"/v1/purchase-orders/{po_number}")
        return found if found and found["attestations"] else None

    await api.post(
        api.orders,
        f"/v1/purchase-orders/{po_number}/attestations",
        {
            "attested_on": today.isoformat(),
            "attested_by": "Service ENT du syndicat",
            "lines": [{"line_no": line["line_no"], "quantity": line["quantity"]} for line in order["lines"]],
        },
        key=f"{seed}:attestation",
        probe=attested_in_orders,
    )
    lap("service_attested")

    async def attested_in_billing() -> Any:
        found = await known_to_billing()
        if found and all(
            Decimal(line["attested_quantity"]) == Decimal(line["quantity"]) for line in found["lines"]
        ):
            return found
        return None

    po = await api.until(attested_in_billing, what=f"flow {seed}: attestation of {po_number} in billing")
    lap("attestation_known_to_billing")
    fields = ("line_no", "item_code", "label", "unit", "quantity", "unit_price", "vat_category", "vat_rate")
    lines = [{k: line[k] for k in fields} for line in po["lines"]]
    total = sum((Decimal(line["quantity"]) * Decimal(line["unit_price"]) for line in lines), Decimal(0))

    async def supplier_invoice_found() -> Any:
        found = await known_to_billing()
        return {"id": found["supplier_invoice_ids"][0]} if found and found["supplier_invoice_ids"] else None

    supplier_invoice = await api.post(
        api.billing,
        "/v1/supplier-invoices",
        {
            "supplier_invoice_number": f"TIT-{api.run_id}-{seed}",
            "po_number": po_number,
            "issue_date": today.isoformat(),
            "lines": lines,
            "total_excl_tax": f"{total:.2f}",
        },
        key=f"{seed}:supplier-invoice",
        probe=supplier_invoice_found,
        headers=api.as_role(Role.CONTRACTOR, CONTRACTOR_ID),
    )
    result.supplier_invoice_id = supplier_invoice["id"]
    lap("supplier_invoice_submitted")

    async def invoiced() -> Any:
        page = await api.get(api.billing, "/v1/invoices", po_number=po_number)
        return page["items"][0] if page and page["items"] else None

    invoice = await api.until(invoiced, what=f"flow {seed}: member invoice for {po_number}")
    result.invoice_number = invoice["number"]
    lap("member_invoice_issued")
    result.finished = time.time()
    return result
