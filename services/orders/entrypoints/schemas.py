"""Request and response bodies of the orders API. Writes refuse unknown fields; amounts are strings."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from services.orders.domain.catalogue import CatalogueSource
from services.orders.domain.member_directory import ChorusRequirement
from services.orders.domain.purchase_order import PurchaseOrderStatus
from services.orders.domain.quote import QuoteStatus
from shared.contracts.common import Amount, PartySnapshot
from shared.security.inputs import decimal_type

ShortText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Code = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=50, pattern=r"^[A-Za-z0-9._/-]+$")
]
Reference = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=50)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


# Decimal inputs are strings of bounded digits (the OpenAPI shows the bound); floats are refused.
UnitPriceIn = decimal_type(max_digits=11, decimal_places=4, ge=0, le=1_000_000)
HalfDayRateIn = decimal_type(max_digits=11, decimal_places=4, gt=0, le=1_000_000)
VatRateIn = decimal_type(max_digits=5, decimal_places=2, ge=0, le=100)
QuantityIn = decimal_type(max_digits=9, decimal_places=3, gt=0, le=100_000)


class CatalogueItemIn(Strict):
    code: Code = Field(examples=["ONE-LIC-ECOLE"])
    label: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=300)]
    unit: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=30)] = Field(
        examples=["école/an"]
    )
    unit_price: UnitPriceIn = Field(examples=["120.50"], description="Excluding tax, euros")
    vat_category: Annotated[str, StringConstraints(pattern=r"^(S|Z|E|AE|O)$")] = "S"
    vat_rate: VatRateIn = Field(examples=["20.00"])
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
    """A catalogue line (`item_code`), or, without a code, a specific support line: `label` required,
    unit `demi-journée`, price the half-day rate (`unit_price`, or the configured rate), outside the
    scope of VAT (category O). Such lines cannot share a quote with taxed lines."""

    item_code: Code | None = None
    quantity: QuantityIn = Field(examples=["12"])
    label: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=300)] | None = (
        Field(default=None, examples=["Formation des familles, école Jean Jaurès"])
    )
    unit_price: HalfDayRateIn | None = Field(default=None, description="Half-day rate, euros")

    @model_validator(mode="after")
    def check_line_kind(self) -> QuoteLineIn:
        if self.item_code is not None and (self.label is not None or self.unit_price is not None):
            raise ValueError("a catalogue line takes its label and price from the catalogue")
        if self.item_code is None and self.label is None:
            raise ValueError("a line needs an item_code, or a label for specific support")
        return self


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
    expired_on: dt.date | None = None
    purchase_order_number: str | None


class QuotePage(BaseModel):
    items: list[QuoteOut]
    next_cursor: str | None


class HistoryEntryOut(BaseModel):
    at: dt.datetime
    kind: str
    detail: str


class AttestedLineOut(BaseModel):
    line_no: int
    quantity: Amount


class AttestationOut(BaseModel):
    id: str
    attested_on: dt.date
    attested_by: str
    recorded_at: dt.datetime
    lines: list[AttestedLineOut]


class PurchaseOrderLineOut(LineOut):
    attested_quantity: Amount = Field(description="Sum of the service-done attestations of this line")
    remaining_quantity: Amount


class TransmissionOut(BaseModel):
    contractor_reference: str | None
    transmitted_at: dt.datetime | None
    acknowledged_at: dt.datetime | None
    attempts: int
    next_attempt_at: dt.datetime | None = Field(
        description="Set while the PO waits in the transmission queue"
    )
    last_error: str | None


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
    lines: list[PurchaseOrderLineOut]
    totals: TotalsOut
    member_invoice_number: str | None
    transmission: TransmissionOut
    cancelled_at: dt.datetime | None
    closed_at: dt.datetime | None
    attestations: list[AttestationOut]
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


class AttestedLineIn(Strict):
    line_no: int = Field(ge=1, le=10_000)
    quantity: QuantityIn = Field(examples=["2"])


class AttestationIn(Strict):
    """Service fait: what was delivered, this time (quantities add up over attestations)."""

    attested_on: dt.date
    attested_by: ShortText = Field(examples=["M. Martin, chargé de mission"])
    lines: list[AttestedLineIn] = Field(min_length=1, max_length=200)


class AttestationResultOut(BaseModel):
    attestation: AttestationOut
    purchase_order: PurchaseOrderOut


class CancellationIn(Strict):
    cancelled_by: ShortText
    reason: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=400)]


class ClosingIn(Strict):
    closed_by: ShortText
    reason: Annotated[str, StringConstraints(strip_whitespace=True, max_length=400)] | None = None


class AcknowledgementIn(Strict):
    """What the contractor posts back; unknown fields are refused like on every write (a contractor
    adding fields must have them agreed first, not silently dropped)."""

    po_number: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=20)]
    contractor_reference: Annotated[str, StringConstraints(strip_whitespace=True, max_length=100)] | None = (
        None
    )
    acknowledged_at: dt.datetime | None = None


class ImportLineOut(BaseModel):
    line: int
    code: str | None
    status: str
    errors: list[str]


class CatalogueImportOut(BaseModel):
    dry_run: bool
    imported: int
    lines: list[ImportLineOut]
