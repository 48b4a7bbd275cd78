"""Events published by the billing service (routing keys `billing.*`)."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, ConfigDict, Field

from shared.contracts.common import Amount, DocumentLine
from shared.contracts.envelope import Event


class SupplierInvoiceReceived(Event):
    """A contractor's invoice was received and stored (through the API or as an uploaded e-invoice);
    `matched` or `exception` follows in the same transaction."""

    TYPE = "billing.supplier_invoice.received"
    supplier_invoice_id: str
    supplier_invoice_number: str
    po_number: str
    issue_date: dt.date
    received_on: dt.date
    total_excl_tax: Amount
    source: str = Field(description='"api" (JSON) or "upload" (the contractor\'s Factur-X, CII or UBL file).')
    upload_sha256: str | None = Field(
        default=None, description="SHA-256 of the uploaded file, kept for audit."
    )


class SupplierInvoiceMatched(Event):
    """The contractor's invoice agrees with its PO and what was attested; it is approved for rebilling."""

    TYPE = "billing.supplier_invoice.matched"
    supplier_invoice_id: str
    supplier_invoice_number: str
    po_number: str
    member_id: str
    lines: list[DocumentLine]
    total_excl_tax: Amount
    received_on: dt.date | None = None
    payment_deadline: dt.date | None = Field(
        default=None, description="The syndicate's deadline to pay the contractor (receipt + 30 days)."
    )


class SupplierInvoiceException(Event):
    """The contractor's invoice disagrees with its PO; staff must approve or dispute it."""

    TYPE = "billing.supplier_invoice.exception"
    supplier_invoice_id: str
    supplier_invoice_number: str
    po_number: str
    reasons: list[str]
    received_on: dt.date | None = None
    payment_deadline: dt.date | None = Field(
        default=None, description="The syndicate's deadline to pay the contractor (receipt + 30 days)."
    )


class VatBreakdown(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    vat_category: str
    vat_rate: Amount
    taxable_amount: Amount
    vat_amount: Amount


class InvoiceIssued(Event):
    """A member invoice got its number (facture émise); it can no longer change."""

    TYPE = "billing.invoice.issued"
    invoice_id: str
    number: str
    series: str
    member_id: str
    issue_date: dt.date
    due_date: dt.date
    due_date_is_provisional: bool
    total_excl_tax: Amount
    total_vat: Amount
    total_incl_tax: Amount
    supplier_invoice_id: str | None = None
    po_number: str | None = None
    quote_number: str | None = None
    commitment_number: str | None = Field(default=None, description="The member's numéro d'engagement.")
    vat_breakdown: list[VatBreakdown] = Field(default_factory=list, description="VAT per (category, rate).")


class SupplierInvoiceApproved(Event):
    """Finance staff approved an exception with a written reason: it is paid and rebilled like a
    matched invoice (exactly one member invoice follows)."""

    TYPE = "billing.supplier_invoice.approved"
    supplier_invoice_id: str
    supplier_invoice_number: str
    po_number: str
    member_id: str
    lines: list[DocumentLine]
    total_excl_tax: Amount
    reason: str
    decided_by: str
    payment_deadline: dt.date | None = None


class SupplierInvoiceDisputed(Event):
    """Finance staff disputed an exception: it is neither paid nor rebilled; the contractor must send
    a credit note. Its quantities no longer count as invoiced on the PO."""

    TYPE = "billing.supplier_invoice.disputed"
    supplier_invoice_id: str
    supplier_invoice_number: str
    po_number: str
    reason: str
    decided_by: str


class CreditNoteIssued(Event):
    """A credit note (avoir) got its number in the credit-note series; it reduces the invoice it
    references, and can no longer change."""

    TYPE = "billing.credit_note.issued"
    credit_note_id: str
    number: str
    invoice_id: str
    invoice_number: str
    member_id: str
    issue_date: dt.date
    reason: str
    total_excl_tax: Amount
    total_vat: Amount
    total_incl_tax: Amount
    vat_breakdown: list[VatBreakdown] = Field(default_factory=list)
    po_number: str | None = None
    commitment_number: str | None = None
