"""Domain objects to response bodies."""

from __future__ import annotations

import datetime as dt

from services.orders.domain.catalogue import CatalogueItem
from services.orders.domain.purchase_order import PurchaseOrder, ServiceAttestation
from services.orders.domain.quote import Quote, QuoteLine
from services.orders.domain.totals import DocumentTotals
from services.orders.entrypoints.schemas import (
    AttestationOut,
    AttestedLineOut,
    CatalogueImportOut,
    CatalogueItemOut,
    HistoryEntryOut,
    ImportLineOut,
    LineOut,
    PurchaseOrderLineOut,
    PurchaseOrderOut,
    QuoteOut,
    TotalsOut,
    TransmissionOut,
    VatSubtotalOut,
)
from services.orders.use_cases.catalogue_import import ImportReport
from services.orders.use_cases.events import party_snapshot


def catalogue_item_out(item: CatalogueItem) -> CatalogueItemOut:
    return CatalogueItemOut(
        code=item.code,
        label=item.label,
        unit=item.unit,
        unit_price=item.unit_price,
        vat_category=item.vat_category,
        vat_rate=item.vat_rate,
        source=item.source,
        contract_reference=item.contract_reference,
        valid_from=item.valid_from,
    )


def line_out(line: QuoteLine) -> LineOut:
    return LineOut(
        line_no=line.line_no,
        item_code=line.item_code,
        label=line.label,
        unit=line.unit,
        quantity=line.quantity,
        unit_price=line.unit_price,
        vat_category=line.vat_category,
        vat_rate=line.vat_rate,
        net_amount=line.net_amount,
    )


def totals_out(totals: DocumentTotals) -> TotalsOut:
    return TotalsOut(
        total_excl_tax=totals.total_excl_tax,
        vat_breakdown=[
            VatSubtotalOut(
                category=row.category,
                rate=row.rate,
                taxable_amount=row.taxable_amount,
                vat_amount=row.vat_amount,
            )
            for row in totals.vat_breakdown
        ],
        total_vat=totals.total_vat,
        total_incl_tax=totals.total_incl_tax,
    )


def quote_out(quote: Quote, today: dt.date) -> QuoteOut:
    acceptance = quote.acceptance
    return QuoteOut(
        id=quote.id,
        number=quote.number,
        member_id=quote.member_id,
        status=quote.status_on(today),
        quoted_on=quote.quoted_on,
        valid_until=quote.valid_until,
        lines=[line_out(x) for x in quote.lines],
        totals=totals_out(quote.totals),
        sent_on=quote.sent_on,
        accepted_by=acceptance.accepted_by if acceptance else None,
        accepted_at=acceptance.accepted_at if acceptance else None,
        commitment_number=acceptance.references.commitment_number if acceptance else None,
        service_code=acceptance.references.service_code if acceptance else None,
        refused_on=quote.refused_on,
        refusal_reason=quote.refusal_reason,
        cancelled_on=quote.cancelled_on,
        expired_on=quote.expired_on,
        purchase_order_number=quote.purchase_order_number,
    )


def attestation_out(attestation: ServiceAttestation) -> AttestationOut:
    return AttestationOut(
        id=attestation.id,
        attested_on=attestation.attested_on,
        attested_by=attestation.attested_by,
        recorded_at=attestation.recorded_at,
        lines=[AttestedLineOut(line_no=x.line_no, quantity=x.quantity) for x in attestation.lines],
    )


def purchase_order_line_out(order: PurchaseOrder, line: QuoteLine) -> PurchaseOrderLineOut:
    attested = order.attested_quantity(line.line_no)
    return PurchaseOrderLineOut(
        **line_out(line).model_dump(), attested_quantity=attested, remaining_quantity=line.quantity - attested
    )


def purchase_order_out(order: PurchaseOrder) -> PurchaseOrderOut:
    return PurchaseOrderOut(
        id=order.id,
        po_number=order.po_number,
        quote_id=order.quote_id,
        quote_number=order.quote_number,
        member_id=order.member_id,
        status=order.status,
        issued_on=order.issued_on,
        buyer=party_snapshot(order.buyer),
        commitment_number=order.commitment_number,
        lines=[purchase_order_line_out(order, x) for x in order.lines],
        totals=totals_out(order.totals),
        member_invoice_number=order.member_invoice_number,
        transmission=TransmissionOut(
            contractor_reference=order.contractor_reference,
            transmitted_at=order.transmitted_at,
            acknowledged_at=order.acknowledged_at,
            attempts=order.transmission_attempts,
            next_attempt_at=order.transmission_due_at,
            last_error=order.transmission_error,
        ),
        cancelled_at=order.cancelled_at,
        closed_at=order.closed_at,
        attestations=[attestation_out(a) for a in order.attestations],
        history=[HistoryEntryOut(at=e.at, kind=e.kind, detail=e.detail) for e in order.history],
    )


def import_out(report: ImportReport, *, dry_run: bool) -> CatalogueImportOut:
    return CatalogueImportOut(
        dry_run=dry_run,
        imported=report.imported,
        lines=[
            ImportLineOut(line=x.line, code=x.code, status="ok" if x.ok else "refused", errors=x.errors)
            for x in report.lines
        ],
    )
