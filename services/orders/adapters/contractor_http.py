"""The contractor gateway over HTTP (httpx): the contractor's order API, real or simulated.

The API both sides hold to (`simulators/contractor.py` implements it):
    PUT  {base}/orders/{po_number}          the purchase order as JSON → 201 (new) | 200 (already held)
         answer {"po_number", "contractor_reference", "status": "received" | "acknowledged"}
         409 when the number is held for another order
    POST {base}/orders/{po_number}/cancel   → 200 | 409 when already acknowledged | 404 unknown
PUT under the PO number makes a repeated submission a no-op on the contractor's side; the
`Idempotency-Key` header says the same for APIs that key on it.

Each call has timeouts and a few quick retries with backoff for blips (transport errors, 5xx, 429,
unreadable answers); what still fails raises `ContractorUnavailable` and the transmitter retries later.
"""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any

import httpx

from services.orders.domain.contractor import (
    ContractorError,
    ContractorReceipt,
    ContractorRefused,
    ContractorUnavailable,
)
from services.orders.domain.purchase_order import PurchaseOrder

log = logging.getLogger(__name__)

RETRYABLE_STATUS = {408, 425, 429, 500, 502, 503, 504}


def purchase_order_document(order: PurchaseOrder, callback_url: str | None) -> dict[str, Any]:
    """What the contractor receives: the order, its buyer (the member it is for) and its lines."""
    totals = order.totals
    buyer = order.buyer
    return {
        "po_number": order.po_number,
        "issued_on": order.issued_on.isoformat(),
        "quote_number": order.quote_number,
        "buyer": {
            "name": buyer.name,
            "siret": buyer.siret,
            "address": {
                "line1": buyer.address.line1,
                "line2": buyer.address.line2,
                "postcode": buyer.address.postcode,
                "city": buyer.address.city,
                "country_code": buyer.address.country_code,
            },
        },
        "commitment_number": order.commitment_number,
        "lines": [
            {
                "line_no": line.line_no,
                "item_code": line.item_code,
                "label": line.label,
                "unit": line.unit,
                "quantity": format(line.quantity, "f"),
                "unit_price": format(line.unit_price, "f"),
                "vat_category": line.vat_category,
                "vat_rate": format(line.vat_rate, "f"),
                "contract_reference": line.contract_reference,
            }
            for line in order.lines
        ],
        "total_excl_tax": format(totals.total_excl_tax, "f"),
        "total_incl_tax": format(totals.total_incl_tax, "f"),
        "acknowledgement_url": (
            f"{callback_url.rstrip('/')}/v1/contractor/acknowledgements" if callback_url else None
        ),
    }


def _receipt(response: httpx.Response, po_number: str) -> ContractorReceipt:
    """Read the answer, trusting nothing: anything but the expected JSON is garbage (retryable)."""
    try:
        body = response.json()
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ContractorUnavailable(
            f"unreadable answer (HTTP {response.status_code}): {response.text[:80]!r}"
        ) from exc
    if not isinstance(body, dict):
        raise ContractorUnavailable(f"unexpected answer: {str(body)[:80]!r}")
    reference = body.get("contractor_reference")
    if body.get("po_number") != po_number or not isinstance(reference, str) or not reference.strip():
        raise ContractorUnavailable(f"answer does not confirm {po_number}: {str(body)[:120]!r}")
    return ContractorReceipt(
        po_number=po_number,
        contractor_reference=reference.strip()[:100],
        acknowledged=body.get("status") == "acknowledged",
    )


class HttpContractorGateway:
    def __init__(
        self,
        base_url: str,
        *,
        timeout_s: float = 10.0,
        attempts: int = 3,
        backoff_s: float = 0.5,
        callback_url: str | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.timeout = httpx.Timeout(timeout_s, connect=min(timeout_s, 5.0))
        self.attempts = max(1, attempts)
        self.backoff_s = backoff_s
        self.callback_url = callback_url
        self.transport = transport
        # One client for the gateway's life: a client per call rebuilds its TLS context each time,
        # synchronously (measured: 13 % of the orders process's CPU under load, stalling its loop).
        self._client: httpx.AsyncClient | None = None

    def _http(self) -> httpx.AsyncClient:
        if self._client is None or self._client.is_closed:
            self._client = httpx.AsyncClient(
                base_url=self.base_url, timeout=self.timeout, transport=self.transport
            )
        return self._client

    async def aclose(self) -> None:
        if self._client is not None:
            await self._client.aclose()
            self._client = None

    async def _call(self, method: str, path: str, po_number: str, body: dict[str, Any]) -> httpx.Response:
        """The request with quick retries; returns the first non-retryable answer."""
        last: ContractorError = ContractorUnavailable("not attempted")
        client = self._http()
        for attempt in range(1, self.attempts + 1):
            try:
                response = await client.request(
                    method, path, json=body, headers={"Idempotency-Key": po_number}
                )
            except httpx.TimeoutException as exc:
                last = ContractorUnavailable(f"timed out ({type(exc).__name__})")
            except httpx.TransportError as exc:
                last = ContractorUnavailable(f"unreachable ({type(exc).__name__}: {exc})")
            else:
                if response.status_code not in RETRYABLE_STATUS:
                    return response
                last = ContractorUnavailable(f"HTTP {response.status_code}")
            if attempt < self.attempts:
                await asyncio.sleep(self.backoff_s * 2 ** (attempt - 1))
        raise last

    async def submit(self, order: PurchaseOrder) -> ContractorReceipt:
        body = purchase_order_document(order, self.callback_url)
        last: ContractorError = ContractorUnavailable("not attempted")
        for attempt in range(1, self.attempts + 1):
            response = await self._call("PUT", f"/orders/{order.po_number}", order.po_number, body)
            if response.status_code in (200, 201):
                try:
                    return _receipt(response, order.po_number)
                except ContractorUnavailable as exc:  # garbage: the order may be held, ask again
                    last = exc
                    if attempt < self.attempts:
                        await asyncio.sleep(self.backoff_s * 2 ** (attempt - 1))
                    continue
            if 400 <= response.status_code < 500:
                raise ContractorRefused(f"HTTP {response.status_code}: {response.text[:200]}")
            raise ContractorUnavailable(f"unexpected HTTP {response.status_code}")
        raise last

    async def cancel(self, po_number: str, reason: str) -> None:
        response = await self._call("POST", f"/orders/{po_number}/cancel", po_number, {"reason": reason})
        if response.status_code in (200, 204, 404):  # 404: it never got it, nothing to withdraw
            return
        if 400 <= response.status_code < 500:
            raise ContractorRefused(f"HTTP {response.status_code}: {response.text[:200]}")
        raise ContractorUnavailable(f"unexpected HTTP {response.status_code}")
