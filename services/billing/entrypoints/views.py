"""Domain objects to response bodies, shared by the billing routes."""

from __future__ import annotations

from services.billing.domain.credit_note import CreditNote
from services.billing.domain.lines import Buyer, Line
from services.billing.domain.member_invoice import MemberInvoice
from services.billing.domain.totals import Totals, line_net
from services.billing.entrypoints.schemas import (
    AddressOut,
    BuyerOut,
    CreditNoteLineOut,
    CreditNoteOut,
    DecisionOut,
    DiscrepancyOut,
    InvoiceLineOut,
    InvoiceOut,
    InvoiceRef,
    LineOut,
    SupplierInvoiceOut,
    VatSubtotalOut,
)
from services.billing.use_cases.supplier_invoices import SupplierInvoiceView


def line_out(line: Line) -> LineOut:
    return LineOut(**line.__dict__)


def buyer_out(buyer: Buyer) -> BuyerOut:
    return BuyerOut(
        member_id=buyer.member_id,
        name=buyer.name,
        siren=buyer.siren,
        siret=buyer.siret,
        address=AddressOut(**buyer.address.__dict__),
        service_code=buyer.service_code,
    )


def supplier_invoice_out(view: SupplierInvoiceView) -> SupplierInvoiceOut:
    invoice = view.invoice
    return SupplierInvoiceOut(
        id=invoice.id,
        supplier_invoice_number=invoice.number,
        po_number=invoice.po_number,
        issue_date=invoice.issue_date,
        received_on=invoice.received_on,
        payment_deadline=invoice.payment_deadline,
        status=invoice.status,
        reasons=[DiscrepancyOut(**d.__dict__) for d in invoice.discrepancies],
        lines=[line_out(line) for line in invoice.lines],
        total_excl_tax=invoice.total_excl_tax,
        member_invoice=InvoiceRef(id=view.member_invoice[0], number=view.member_invoice[1])
        if view.member_invoice
        else None,
        source=invoice.source,
        upload_id=invoice.upload_id,
        decision=DecisionOut(**invoice.decision.__dict__) if invoice.decision else None,
    )


def vat_out(totals: Totals) -> list[VatSubtotalOut]:
    return [
        VatSubtotalOut(
            vat_category=row.category,
            vat_rate=row.rate,
            taxable_amount=row.taxable_amount,
            vat_amount=row.vat_amount,
        )
        for row in totals.vat_breakdown
    ]


def invoice_out(invoice: MemberInvoice) -> InvoiceOut:
    return InvoiceOut(
        id=invoice.id,
        number=str(invoice.number),
        series=invoice.number.series.value,
        issue_date=invoice.issue_date,
        due_date=invoice.due_date,
        due_date_is_provisional=invoice.due_date_is_provisional,
        buyer=buyer_out(invoice.buyer),
        commitment_number=invoice.commitment_number,
        po_number=invoice.po_number,
        quote_number=invoice.quote_number,
        supplier_invoice_id=invoice.supplier_invoice_id,
        lines=[
            InvoiceLineOut(**line.__dict__, net_amount=line_net(line.quantity, line.unit_price))
            for line in invoice.lines
        ],
        vat_breakdown=vat_out(invoice.totals),
        total_excl_tax=invoice.totals.excl_tax,
        total_vat=invoice.totals.vat,
        total_incl_tax=invoice.totals.incl_tax,
    )


def credit_note_out(note: CreditNote) -> CreditNoteOut:
    return CreditNoteOut(
        id=note.id,
        number=str(note.number),
        invoice_id=note.invoice_id,
        invoice_number=note.invoice_number,
        invoice_issue_date=note.invoice_issue_date,
        issue_date=note.issue_date,
        reason=note.reason,
        buyer=buyer_out(note.buyer),
        commitment_number=note.commitment_number,
        po_number=note.po_number,
        quote_number=note.quote_number,
        lines=[
            CreditNoteLineOut(
                **line.__dict__, net_amount=line_net(line.quantity, line.unit_price), invoice_line_no=origin
            )
            for line, origin in zip(note.lines, note.invoice_line_nos, strict=True)
        ],
        vat_breakdown=vat_out(note.totals),
        total_excl_tax=note.totals.excl_tax,
        total_vat=note.totals.vat,
        total_incl_tax=note.totals.incl_tax,
    )
