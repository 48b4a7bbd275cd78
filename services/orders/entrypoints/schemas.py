"""Request and response bodies of the orders API. Writes refuse unknown fields; amounts are strings."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from services.orders.domain.catalogue import CatalogueSource
from services.orders.domain.member_directory import ChorusRequirement
from services.orders.domain.purchase_order import PurchaseOrderStatus
from services.orders.domain.quote import QuoteStatus
from shared.contracts.common import Amount, PartySnapshot

ShortText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Code = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=50, pattern=r"^[A-Za-z0-9._/-]+$")
]
Reference = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=50)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class CatalogueItemIn(Strict):
    code: Code = Field(examples=["ONE-LIC-ECOLE"])
    label: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=300)]
    unit: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=30)] = Field(
        examples=["école/an"]
    )
    unit_price: Decimal = Field(
        ge=0,
        le=1_000_000,
        max_digits=11,
        decimal_places=4,
        examples=["120.50"],
        description="Excluding tax, euros",
    )
    vat_category: Annotated[str, StringConstraints(pattern=r"^(S|Z|E|AE|O)$")] = "S"
    vat_rate: Decimal = Field(ge=0, le=100, max_digits=5, decimal_places=2, examples=["20.00"])
    source: CatalogueSource
    contract_reference: Reference = Field(examples=["MARCHE-ENT-2024-001"])
    valid_from: dt.date


class CatalogueItemOut(BaseModel):
    code: str
    label: str
    unit: str
    unit_price: Amount
    vat_category: str
    vat_rate: Amount
    source: CatalogueSource
    contract_reference: str
    valid_from: dt.date


class CataloguePage(BaseModel):
    items: list[CatalogueItemOut]
    next_cursor: str | None


class QuoteLineIn(Strict):
    item_code: Code
    quantity: Decimal = Field(gt=0, le=100_000, max_digits=9, decimal_places=3, examples=["12"])


class QuoteIn(Strict):
    member_id: Annotated[str, StringConstraints(min_length=1, max_length=64)]
    lines: list[QuoteLineIn] = Field(min_length=1, max_length=200)
    valid_until: dt.date


class RefusalIn(Strict):
    reason: Annotated[str, StringConstraints(strip_whitespace=True, max_length=500)] | None = None


class AcceptanceIn(Strict):
    accepted_by: ShortText = Field(examples=["Mme Dupont, DGS"])
    commitment_number: Reference | None = Field(default=None, description="Numéro d'engagement (BT-13)")
    service_code: (
        Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)] | None
    ) = Field(default=None, description="Code service Chorus Pro (BT-10), if not the member's usual one")


class LineOut(BaseModel):
    line_no: int
    item_code: str
    label: str
    unit: str
    quantity: Amount
    unit_price: Amount
    vat_category: str
    vat_rate: Amount
    net_amount: Amount


class VatSubtotalOut(BaseModel):
    category: str
    rate: Amount
    taxable_amount: Amount
    vat_amount: Amount


class TotalsOut(BaseModel):
    total_excl_tax: Amount
    vat_breakdown: list[VatSubtotalOut]
    total_vat: Amount
    total_incl_tax: Amount


class QuoteOut(BaseModel):
    id: str
    number: str
    member_id: str
    status: QuoteStatus
    quoted_on: dt.date
    valid_until: dt.date
    lines: list[LineOut]
    totals: TotalsOut
    sent_on: dt.date | None
    accepted_by: str | None
    accepted_at: dt.datetime | None
    commitment_number: str | None
    service_code: str | None
    refused_on: dt.date | None
    refusal_reason: str | None
    cancelled_on: dt.date | None
    purchase_order_number: str | None


class QuotePage(BaseModel):
    items: list[QuoteOut]
    next_cursor: str | None


class HistoryEntryOut(BaseModel):
    at: dt.datetime
    kind: str
    detail: str


class PurchaseOrderOut(BaseModel):
    id: str
    po_number: str
    quote_id: str
    quote_number: str
    member_id: str
    status: PurchaseOrderStatus
    issued_on: dt.date
    buyer: PartySnapshot
    commitment_number: str | None
    lines: list[LineOut]
    totals: TotalsOut
    member_invoice_number: str | None
    history: list[HistoryEntryOut]


class PurchaseOrderPage(BaseModel):
    items: list[PurchaseOrderOut]
    next_cursor: str | None


class AcceptanceOut(BaseModel):
    quote: QuoteOut
    purchase_order: PurchaseOrderOut


class QuoteEligibilityOut(BaseModel):
    member_id: str
    on: dt.date
    known: bool = Field(description="The member's registration reached the orders service")
    active: bool = Field(description="Its adhesion is in effect on that date: it may be quoted and accept")
    chorus_requirement: ChorusRequirement | None
    service_code: str | None
