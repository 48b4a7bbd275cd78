"""Events published by the billing service (routing keys `billing.*`)."""

from __future__ import annotations

import datetime as dt

from pydantic import Field

from shared.contracts.common import Amount, DocumentLine
from shared.contracts.envelope import Event


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
