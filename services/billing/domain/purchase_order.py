"""What billing knows of a purchase order (bon de commande): a read model fed by the orders service."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from services.billing.domain.lines import Buyer, Line


@dataclass(frozen=True)
class PurchaseOrder:
    """Immutable once issued: the buyer is the member's snapshot at that time."""

    id: str
    po_number: str
    quote_number: str
    member_id: str
    commitment_number: str | None  # numéro d'engagement, mandatory on the invoice when the member requires it
    issued_on: dt.date
    buyer: Buyer
    lines: tuple[Line, ...]
    total_excl_tax: Decimal


class BillingState(StrEnum):
    NOTHING_BILLED = "nothing_billed"
    PARTLY_BILLED = "partly_billed"
    FULLY_BILLED = "fully_billed"


def billing_state(ordered: Mapping[int, Decimal], billed: Mapping[int, Decimal]) -> BillingState:
    """Per PO line: fully billed when every line's ordered quantity was rebilled to the member."""
    if not any(quantity > 0 for quantity in billed.values()):
        return BillingState.NOTHING_BILLED
    if all(billed.get(line_no, Decimal(0)) >= quantity for line_no, quantity in ordered.items()):
        return BillingState.FULLY_BILLED
    return BillingState.PARTLY_BILLED
