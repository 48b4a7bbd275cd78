"""A priced line (ligne) and the buyer of a document: the value shapes every billing document shares."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True)
class Line:
    """A priced line as ordered on a PO, invoiced by the contractor, or rebilled to the member.

    `line_no` on a supplier invoice is the number of the PO line it bills: that is how matching pairs them.
    """

    line_no: int
    item_code: str
    label: str
    unit: str
    quantity: Decimal
    unit_price: Decimal  # excluding tax, euros
    vat_category: str  # EN 16931 code: S, O, E, Z...
    vat_rate: Decimal  # percent, e.g. Decimal("20.00")


@dataclass(frozen=True)
class Address:
    line1: str
    postcode: str
    city: str
    line2: str | None = None
    country_code: str = "FR"


@dataclass(frozen=True)
class Buyer:
    """The member as it was when the PO was issued (the invoice's recipient, acheteur)."""

    member_id: str
    name: str
    siren: str
    siret: str
    address: Address
    service_code: str | None = None
    chorus_requirement: str = "none"
