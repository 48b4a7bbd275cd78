"""Request and response bodies of the billing API. Writes refuse unknown fields; amounts travel as
decimal strings ("5617.30"), never floats."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, PlainSerializer, StringConstraints

from services.billing.domain.purchase_order import BillingState
from services.billing.domain.supplier_invoice import SupplierInvoiceStatus
from shared.security.inputs import decimal_type

Code = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=50)]
Label = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]
Unit = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=20)]
VatCategory = Annotated[str, StringConstraints(pattern=r"^(S|Z|E|AE|K|G|O|L|M)$")]
# Signs are the domain's business (it names the faulty line); here only the size and precision.
# Decimal inputs are strings of bounded digits (the OpenAPI shows the bound); floats are refused.
Quantity = decimal_type(max_digits=12, decimal_places=3)
UnitPrice = decimal_type(max_digits=14, decimal_places=4)
AmountIn = decimal_type(max_digits=14, decimal_places=2)
VatRate = decimal_type(max_digits=5, decimal_places=2, ge=0, le=100)
DecimalText = Annotated[Decimal, PlainSerializer(lambda v: format(v, "f"), return_type=str)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class LineIn(Strict):
    line_no: int = Field(ge=1, le=9999, description="The number of the PO line this line invoices.")
    item_code: Code
    label: Label
    unit: Unit
    quantity: Quantity = Field(examples=["2"])
    unit_price: UnitPrice = Field(description="Excluding tax, euros.", examples=["1250.00"])
    vat_category: VatCategory = Field(description="EN 16931 VAT category code.", examples=["S"])
    vat_rate: VatRate = Field(description="Percent.", examples=["20.00"])


class SupplierInvoiceIn(Strict):
    """The contractor's invoice: its own number, the PO it bills (mandatory), its lines and net total."""

    supplier_invoice_number: Code = Field(examples=["TIT-2026-0042"])
    po_number: Code = Field(examples=["BC-2026-000012"])
    issue_date: dt.date
    lines: list[LineIn] = Field(min_length=1, max_length=500)
    total_excl_tax: AmountIn = Field(examples=["2500.00"])


class LineOut(BaseModel):
    line_no: int
    item_code: str
    label: str
    unit: str
    quantity: DecimalText
    unit_price: DecimalText
    vat_category: str
    vat_rate: DecimalText


class InvoiceLineOut(LineOut):
    net_amount: DecimalText


class DiscrepancyOut(BaseModel):
    code: str
    message: str
    line_no: int | None


class InvoiceRef(BaseModel):
    id: str
    number: str


class DecisionOut(BaseModel):
    reason: str
    decided_by: str
    decided_at: dt.datetime


class SupplierInvoiceOut(BaseModel):
    id: str
    supplier_invoice_number: str
    po_number: str
    issue_date: dt.date
    received_on: dt.date
    payment_deadline: dt.date = Field(description="The syndicate must pay the contractor by this date.")
    status: SupplierInvoiceStatus
    reasons: list[DiscrepancyOut]
    lines: list[LineOut]
    total_excl_tax: DecimalText
    member_invoice: InvoiceRef | None
    source: str = Field(default="api", description='"api" or "upload".')
    upload_id: str | None = None
    decision: DecisionOut | None = None


class AddressOut(BaseModel):
    line1: str
    line2: str | None
    postcode: str
    city: str
    country_code: str


class BuyerOut(BaseModel):
    member_id: str
    name: str
    siren: str
    siret: str
    address: AddressOut
    service_code: str | None


class VatSubtotalOut(BaseModel):
    vat_category: str
    vat_rate: DecimalText
    taxable_amount: DecimalText
    vat_amount: DecimalText


class InvoiceOut(BaseModel):
    id: str
    number: str
    series: str
    issue_date: dt.date
    due_date: dt.date
    due_date_is_provisional: bool
    buyer: BuyerOut
    commitment_number: str | None
    po_number: str
    quote_number: str
    supplier_invoice_id: str | None
    lines: list[InvoiceLineOut]
    vat_breakdown: list[VatSubtotalOut]
    total_excl_tax: DecimalText
    total_vat: DecimalText
    total_incl_tax: DecimalText


class InvoicePage(BaseModel):
    items: list[InvoiceOut]
    next_cursor: str | None


class PurchaseOrderLineOut(LineOut):
    attested_quantity: DecimalText = Field(description="Attested as done (service fait) so far.")
    invoiced_quantity: DecimalText = Field(description="Claimed by the contractor's invoices so far.")
    rebilled_quantity: DecimalText = Field(description="On member invoices so far.")


class PurchaseOrderBillingOut(BaseModel):
    po_number: str
    purchase_order_id: str
    quote_number: str
    member_id: str
    commitment_number: str | None
    issued_on: dt.date
    buyer: BuyerOut
    lines: list[PurchaseOrderLineOut]
    total_excl_tax: DecimalText
    billing_state: BillingState
    supplier_invoice_ids: list[str]


class SeriesCheckOut(BaseModel):
    series: str
    year: int
    count: int
    first: int | None
    last: int | None
    counter_last: int | None = Field(description="The last number the series' counter gave out.")
    gaps: list[int]
    duplicates: list[int]
    ok: bool


class NumberingCheckOut(BaseModel):
    ok: bool
    series: list[SeriesCheckOut]


# --- staff decisions, uploads -------------------------------------------------------------------------

Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2000)]
Who = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]


class DecisionIn(Strict):
    """A finance staff member's decision on an exception, with its written reason (kept for audit)."""

    reason: Text = Field(examples=["Révision de prix prévue à l'article 10 du CCAP, index Syntec d'octobre"])
    decided_by: Who = Field(examples=["c.martin (finances)"])


class UploadOut(BaseModel):
    id: str
    received_at: dt.datetime
    filename: str | None
    declared_type: str | None
    detected_format: str | None = Field(description="facturx-pdf, cii or ubl; pdf or xml when refused.")
    size: int
    sha256: str
    outcome: str = Field(description="accepted, refused (or received while being processed).")
    refusal: str | None
    supplier_invoice_id: str | None


# --- credit notes, statements ---------------------------------------------------------------------------


class CreditLineIn(Strict):
    line_no: int = Field(ge=1, le=9999, description="The invoice line credited.")
    quantity: Quantity = Field(examples=["1"])


class CreditNoteIn(Strict):
    """Full (neither `lines` nor `amount`: everything the invoice has left), by `lines`, or by an `amount`
    excluding tax on one of the invoice's VAT rates (say which when it has several)."""

    reason: Text = Field(examples=["Licence facturée deux fois"])
    lines: list[CreditLineIn] | None = Field(default=None, min_length=1, max_length=500)
    amount: AmountIn | None = Field(default=None, examples=["100.00"])
    vat_category: VatCategory | None = None
    vat_rate: VatRate | None = None


class CreditNoteLineOut(InvoiceLineOut):
    invoice_line_no: int | None = Field(description="The invoice line credited; null for an amount.")


class CreditNoteOut(BaseModel):
    id: str
    number: str
    invoice_id: str
    invoice_number: str
    invoice_issue_date: dt.date
    issue_date: dt.date
    reason: str
    buyer: BuyerOut
    commitment_number: str | None
    po_number: str
    quote_number: str
    lines: list[CreditNoteLineOut]
    vat_breakdown: list[VatSubtotalOut]
    total_excl_tax: DecimalText
    total_vat: DecimalText
    total_incl_tax: DecimalText


class StatementEntryOut(BaseModel):
    date: dt.date
    kind: str = Field(description="invoice, credit_note (payment with the payments issue).")
    id: str
    number: str
    debit: DecimalText
    credit: DecimalText
    reference: str | None


class StatementOut(BaseModel):
    member_id: str
    period_from: dt.date
    period_to: dt.date
    opening_balance: DecimalText = Field(description="What the member owed before the period (incl. tax).")
    entries: list[StatementEntryOut]
    total_debit: DecimalText
    total_credit: DecimalText
    closing_balance: DecimalText = Field(description="What the member owes at the end of the period.")
    payments_included: bool = Field(description="False until payments are recorded (coming issue).")
