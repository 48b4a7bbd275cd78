"""MemberInvoice — facture: the syndicate's invoice to a member, here the rebilling (refacturation)
of a matched supplier invoice, line for line at the same prices.

Issued invoices are immutable: a correction is a credit note (avoir) referencing it, then a new invoice.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from services.billing.domain.due_dates import member_invoice_due_date
from services.billing.domain.lines import Buyer, Line
from services.billing.domain.numbering import InvoiceNumber
from services.billing.domain.purchase_order import PurchaseOrder
from services.billing.domain.supplier_invoice import SupplierInvoice
from services.billing.domain.totals import Totals, compute_totals
from shared.errors import Conflict


@dataclass(frozen=True)
class MemberInvoice:
    id: str
    number: InvoiceNumber
    issue_date: dt.date
    due_date: dt.date
    due_date_is_provisional: bool
    buyer: Buyer
    commitment_number: str | None
    po_number: str
    quote_number: str
    supplier_invoice_id: str | None
    lines: tuple[Line, ...]
    totals: Totals
    service_date: dt.date | None = None  # date of service (service fait): the PO's last attestation

    @property
    def member_id(self) -> str:
        return self.buyer.member_id


def rebill(
    *,
    id: str,
    supplier_invoice: SupplierInvoice,
    order: PurchaseOrder,
    number: InvoiceNumber,
    issue_date: dt.date,
    service_date: dt.date | None = None,
) -> MemberInvoice:
    """The member invoice of a matched supplier invoice: same lines, same prices, the PO's buyer snapshot,
    commitment number and references. Its net total equals the supplier invoice's (invariant per PO)."""
    if not supplier_invoice.rebillable:
        raise Conflict(
            f"supplier invoice {supplier_invoice.number} is {supplier_invoice.status.value}, "
            "not approved for rebilling"
        )
    due = member_invoice_due_date(issue_date)
    return MemberInvoice(
        id=id,
        number=number,
        issue_date=issue_date,
        due_date=due.date,
        due_date_is_provisional=due.provisional,
        buyer=order.buyer,
        commitment_number=order.commitment_number,
        po_number=order.po_number,
        quote_number=order.quote_number,
        supplier_invoice_id=supplier_invoice.id,
        lines=supplier_invoice.lines,
        totals=compute_totals(supplier_invoice.lines),
        service_date=service_date,
    )
