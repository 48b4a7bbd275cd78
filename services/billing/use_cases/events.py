"""Domain objects to the published contracts (shared.contracts.billing)."""

from __future__ import annotations

from services.billing.domain.credit_note import CreditNote
from services.billing.domain.lines import Line
from services.billing.domain.member_invoice import MemberInvoice
from services.billing.domain.purchase_order import PurchaseOrder
from services.billing.domain.supplier_invoice import SupplierInvoice
from services.billing.domain.totals import Totals
from shared.contracts.billing import (
    CreditNoteIssued,
    InvoiceIssued,
    SupplierInvoiceApproved,
    SupplierInvoiceDisputed,
    SupplierInvoiceException,
    SupplierInvoiceMatched,
    SupplierInvoiceReceived,
    VatBreakdown,
)
from shared.contracts.common import DocumentLine


def document_line(line: Line) -> DocumentLine:
    return DocumentLine(
        line_no=line.line_no,
        item_code=line.item_code,
        label=line.label,
        unit=line.unit,
        quantity=line.quantity,
        unit_price=line.unit_price,
        vat_category=line.vat_category,
        vat_rate=line.vat_rate,
    )


def vat_breakdown(totals: Totals) -> list[VatBreakdown]:
    return [
        VatBreakdown(
            vat_category=row.category,
            vat_rate=row.rate,
            taxable_amount=row.taxable_amount,
            vat_amount=row.vat_amount,
        )
        for row in totals.vat_breakdown
    ]


def supplier_invoice_received(invoice: SupplierInvoice, upload_sha256: str | None) -> SupplierInvoiceReceived:
    return SupplierInvoiceReceived(
        supplier_invoice_id=invoice.id,
        supplier_invoice_number=invoice.number,
        po_number=invoice.po_number,
        issue_date=invoice.issue_date,
        received_on=invoice.received_on,
        total_excl_tax=invoice.total_excl_tax,
        source=invoice.source,
        upload_sha256=upload_sha256,
    )


def supplier_invoice_approved(invoice: SupplierInvoice, order: PurchaseOrder) -> SupplierInvoiceApproved:
    assert invoice.decision is not None
    return SupplierInvoiceApproved(
        supplier_invoice_id=invoice.id,
        supplier_invoice_number=invoice.number,
        po_number=invoice.po_number,
        member_id=order.member_id,
        lines=[document_line(line) for line in invoice.lines],
        total_excl_tax=invoice.total_excl_tax,
        reason=invoice.decision.reason,
        decided_by=invoice.decision.decided_by,
        payment_deadline=invoice.payment_deadline,
    )


def supplier_invoice_disputed(invoice: SupplierInvoice) -> SupplierInvoiceDisputed:
    assert invoice.decision is not None
    return SupplierInvoiceDisputed(
        supplier_invoice_id=invoice.id,
        supplier_invoice_number=invoice.number,
        po_number=invoice.po_number,
        reason=invoice.decision.reason,
        decided_by=invoice.decision.decided_by,
    )


def credit_note_issued(note: CreditNote) -> CreditNoteIssued:
    return CreditNoteIssued(
        credit_note_id=note.id,
        number=str(note.number),
        invoice_id=note.invoice_id,
        invoice_number=note.invoice_number,
        member_id=note.member_id,
        issue_date=note.issue_date,
        reason=note.reason,
        total_excl_tax=note.totals.excl_tax,
        total_vat=note.totals.vat,
        total_incl_tax=note.totals.incl_tax,
        vat_breakdown=vat_breakdown(note.totals),
        po_number=note.po_number,
        commitment_number=note.commitment_number,
    )


def supplier_invoice_matched(invoice: SupplierInvoice, order: PurchaseOrder) -> SupplierInvoiceMatched:
    return SupplierInvoiceMatched(
        supplier_invoice_id=invoice.id,
        supplier_invoice_number=invoice.number,
        po_number=invoice.po_number,
        member_id=order.member_id,
        lines=[document_line(line) for line in invoice.lines],
        total_excl_tax=invoice.total_excl_tax,
        received_on=invoice.received_on,
        payment_deadline=invoice.payment_deadline,
    )


def supplier_invoice_exception(invoice: SupplierInvoice) -> SupplierInvoiceException:
    return SupplierInvoiceException(
        supplier_invoice_id=invoice.id,
        supplier_invoice_number=invoice.number,
        po_number=invoice.po_number,
        reasons=[d.message for d in invoice.discrepancies],
        received_on=invoice.received_on,
        payment_deadline=invoice.payment_deadline,
    )


def invoice_issued(invoice: MemberInvoice) -> InvoiceIssued:
    return InvoiceIssued(
        invoice_id=invoice.id,
        number=str(invoice.number),
        series=invoice.number.series.value,
        member_id=invoice.member_id,
        issue_date=invoice.issue_date,
        due_date=invoice.due_date,
        due_date_is_provisional=invoice.due_date_is_provisional,
        total_excl_tax=invoice.totals.excl_tax,
        total_vat=invoice.totals.vat,
        total_incl_tax=invoice.totals.incl_tax,
        supplier_invoice_id=invoice.supplier_invoice_id,
        po_number=invoice.po_number,
        quote_number=invoice.quote_number,
        commitment_number=invoice.commitment_number,
        vat_breakdown=vat_breakdown(invoice.totals),
    )
