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


# --- Chorus Pro, payments, dunning (issue 7) --------------------------------------------------------


class InvoiceTransmitted(Event):
    """A member invoice was deposited on Chorus Pro (by the external connector or the built-in PISTE
    adapter): its flow number is known; Chorus's statuses follow."""

    TYPE = "billing.invoice.transmitted"
    invoice_id: str
    number: str
    member_id: str
    flux_number: str = Field(description="Chorus Pro's numeroFluxDepot.")
    deposited_at: dt.datetime
    transmitted_by: str = Field(description='"connector:<name>" or "piste".')


class InvoiceMadeAvailable(Event):
    """Chorus Pro made the invoice available to the member (MISE_A_DISPOSITION): the 30-day clock of
    art. 7 starts; `due_date` is the legal due date (that date + 30 days), no longer provisional."""

    TYPE = "billing.invoice.made_available"
    invoice_id: str
    number: str
    member_id: str
    made_available_on: dt.date
    due_date: dt.date


class InvoiceReturned(Event):
    """Chorus Pro returned the invoice: A_RECYCLER (routing data to fix, resent under the same number),
    SUSPENDUE (documents missing) or REJETEE (final: a credit note and a new invoice follow)."""

    TYPE = "billing.invoice.returned"
    invoice_id: str
    number: str
    member_id: str
    status: str = Field(description="A_RECYCLER, SUSPENDUE or REJETEE.")
    returned_at: dt.datetime
    reason: str


class PaymentRecorded(Event):
    """A payment of a member invoice was recorded from the public accountant's statement (partial
    payments are separate events); `balance` is what the invoice still has to be paid."""

    TYPE = "billing.payment.recorded"
    payment_id: str
    invoice_id: str
    invoice_number: str
    member_id: str
    amount: Amount
    paid_on: dt.date
    reference: str
    balance: Amount


class InvoicePaid(Event):
    """A member invoice is fully paid (its balance, after credit notes and payments, is zero)."""

    TYPE = "billing.invoice.paid"
    invoice_id: str
    number: str
    member_id: str
    paid_on: dt.date


class InvoiceOverdue(Event):
    """A member invoice is past its legal due date and not fully paid (published once per invoice)."""

    TYPE = "billing.invoice.overdue"
    invoice_id: str
    number: str
    member_id: str
    due_date: dt.date
    balance: Amount


class SupplierPaymentDue(Event):
    """The syndicate's deadline to pay a contractor's invoice (receipt + 30 days) comes within the week."""

    TYPE = "billing.supplier_payment.due"
    supplier_invoice_id: str
    supplier_invoice_number: str
    po_number: str
    payment_deadline: dt.date


class SupplierPaymentLate(Event):
    """The syndicate missed its deadline to pay a contractor's invoice: late interest (ECB rate + 8
    points) and the 40 € indemnity are owed (found by the daily job, or when paid late)."""

    TYPE = "billing.supplier_payment.late"
    supplier_invoice_id: str
    supplier_invoice_number: str
    po_number: str
    payment_deadline: dt.date
    paid_on: dt.date | None = None
    late_interest: Amount | None = None
    indemnity: Amount | None = None


# --- yearly contribution campaign (art. 5) ---------------------------------------------------------------


class ContributionCampaignIssued(Event):
    """Every call of the year's contribution campaign is issued (one `billing.invoice.issued` per member,
    series `contributions`, outside the scope of VAT); published once, when the last batch commits."""

    TYPE = "billing.campaign.issued"
    campaign_id: str
    year: int
    issue_date: dt.date
    invoices: int = Field(ge=0, description="Contribution invoices issued, one per called member.")
    total: Amount = Field(description="Sum of the calls, euros (outside the scope of VAT).")
    subsidy_remainder: Amount = Field(description="Subsidies left over once calls reached zero, reported.")
    tariff_revision: int = Field(ge=1)


class ContributionCallCorrected(Event):
    """An issued call was corrected (late pupil count, wrong option...): its invoice was cancelled by a
    credit note and a new invoice issued with a new number; never an edit."""

    TYPE = "billing.contribution_call.corrected"
    contribution_call_id: str = Field(description="The call: `<campaign_id>/<member_id>`.")
    campaign_id: str
    year: int
    member_id: str
    credit_note_id: str
    credit_note_number: str
    cancelled_invoice_id: str
    cancelled_invoice_number: str
    invoice_id: str
    invoice_number: str
    previous_total: Amount
    total: Amount
    reason: str
