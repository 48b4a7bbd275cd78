"""The port to the ENT contractor's order system (titulaire du marché), and what it can answer.

Adapters: `adapters.contractor_http` (httpx, the real or simulated contractor API). The contract both
sides hold to: a purchase order is submitted under its PO number, and submitting the same number again
never creates a second order on the contractor's side (it answers with the order it already has).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from services.orders.domain.purchase_order import PurchaseOrder
from shared.errors import ApplicationError


@dataclass(frozen=True)
class ContractorReceipt:
    """The contractor holds the order: its own reference, and whether it acknowledged it at once."""

    po_number: str
    contractor_reference: str
    acknowledged: bool = False


class ContractorError(Exception):
    """The submission did not go through. `retryable` says whether trying later may help."""

    retryable = True


class ContractorUnavailable(ContractorError):
    """Unreachable, timed out, 5xx, or an answer we cannot read (garbage): try again later."""


class ContractorRefused(ContractorError):
    """A 4xx the contractor will repeat (invalid order, another order under this number): staff decide."""

    retryable = False


class ContractorUnreachable(ApplicationError):
    """A request that needed the contractor now (a cancellation to pass on) could not reach it."""

    status = 503
    type_slug = "contractor-unreachable"
    title = "The contractor's system is unreachable"


class ContractorGateway(Protocol):
    async def submit(self, order: PurchaseOrder) -> ContractorReceipt:
        """Idempotent by PO number. Raises `ContractorError`."""
        ...

    async def cancel(self, po_number: str, reason: str) -> None:
        """Withdraw an order the contractor has not acknowledged. Raises `ContractorError`
        (`ContractorRefused` when it already acknowledged it)."""
        ...
