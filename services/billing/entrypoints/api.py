"""HTTP routes of the billing service: parse, call the use case, shape the answer.

Prefixes stay clear of the other services' (the embedded mode mounts all three in one app):
`/v1/supplier-invoices`, `/v1/invoices`, `/v1/credit-notes`, `/v1/numbering`, `/v1/billing/...`,
`/v1/members-statements` (members owns `/v1/members`). Uploads and staff decisions are in
`supplier_routes`, documents, credit notes and statements in `document_routes`.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, status

from services.billing.domain.lines import Line
from services.billing.domain.matching import MatchingPolicy
from services.billing.entrypoints.schemas import (
    InvoiceOut,
    InvoicePage,
    NumberingCheckOut,
    PurchaseOrderBillingOut,
    PurchaseOrderLineOut,
    SeriesCheckOut,
    SupplierInvoiceIn,
    SupplierInvoiceOut,
)
from services.billing.entrypoints.views import buyer_out, invoice_out, supplier_invoice_out
from services.billing.use_cases import queries, supplier_invoices
from services.billing.use_cases.supplier_invoices import SupplierInvoiceView
from shared.clock import paris_today
from shared.runtime import ServiceRuntime
from shared.security.dependencies import CurrentPrincipal
from shared.security.isolation import member_filter, owned_or_404


def build_router(runtime: ServiceRuntime, policy: MatchingPolicy) -> APIRouter:
    router = APIRouter(prefix="/v1", tags=["billing"])

    @router.post(
        "/supplier-invoices",
        status_code=status.HTTP_201_CREATED,
        response_model=SupplierInvoiceOut,
        summary="Receive a contractor's invoice (facture fournisseur) and match it against its PO",
    )
    async def submit_supplier_invoice(body: SupplierInvoiceIn) -> SupplierInvoiceOut:
        command = supplier_invoices.SubmitSupplierInvoice(
            supplier_invoice_number=body.supplier_invoice_number,
            po_number=body.po_number,
            issue_date=body.issue_date,
            lines=[Line(**line.model_dump()) for line in body.lines],
            total_excl_tax=body.total_excl_tax,
            received_on=paris_today(),
        )
        async with runtime.unit_of_work() as uow:
            invoice = await supplier_invoices.submit_supplier_invoice(command, uow, policy=policy)
        return supplier_invoice_out(SupplierInvoiceView(invoice, None))

    @router.get(
        "/supplier-invoices/{invoice_id}",
        response_model=SupplierInvoiceOut,
        summary="A supplier invoice: matching status, reasons, and the member invoice that rebilled it",
    )
    async def read_supplier_invoice(invoice_id: str) -> SupplierInvoiceOut:
        async with runtime.unit_of_work() as uow:
            return supplier_invoice_out(await supplier_invoices.get_supplier_invoice(invoice_id, uow))

    @router.get(
        "/invoices", response_model=InvoicePage, summary="Member invoices, by member or PO, in number order"
    )
    async def list_invoices(
        principal: CurrentPrincipal,
        member_id: Annotated[str | None, Query(max_length=64)] = None,
        po_number: Annotated[str | None, Query(max_length=50)] = None,
        limit: Annotated[int, Query(ge=1, le=200)] = 50,
        cursor: Annotated[str | None, Query(max_length=30)] = None,
    ) -> InvoicePage:
        async with runtime.unit_of_work() as uow:
            found = await queries.list_member_invoices(
                uow,
                limit=limit,
                cursor=cursor,
                member_id=member_filter(principal, member_id),
                po_number=po_number,
            )
        return InvoicePage(
            items=[invoice_out(i) for i in found],
            next_cursor=str(found[-1].number) if len(found) == limit else None,
        )

    @router.get(
        "/invoices/{invoice_id}",
        response_model=InvoiceOut,
        summary="A member invoice (facture): lines, VAT breakdown, totals, due date",
    )
    async def read_invoice(invoice_id: str, principal: CurrentPrincipal) -> InvoiceOut:
        async with runtime.unit_of_work() as uow:
            invoice = await owned_or_404(
                principal, queries.get_member_invoice(invoice_id, uow), lambda i: i.member_id, what="invoice"
            )
        return invoice_out(invoice)

    @router.get(
        "/billing/purchase-orders/{po_number}",
        response_model=PurchaseOrderBillingOut,
        summary="What billing knows of a PO: lines, quantities invoiced and rebilled, billing state",
    )
    async def read_purchase_order(po_number: str) -> PurchaseOrderBillingOut:
        async with runtime.unit_of_work() as uow:
            view = await queries.purchase_order_billing(po_number, uow)
        order = view.order
        return PurchaseOrderBillingOut(
            po_number=order.po_number,
            purchase_order_id=order.id,
            quote_number=order.quote_number,
            member_id=order.member_id,
            commitment_number=order.commitment_number,
            issued_on=order.issued_on,
            buyer=buyer_out(order.buyer),
            lines=[
                PurchaseOrderLineOut(
                    **line.__dict__,
                    attested_quantity=view.attested.get(line.line_no, 0),
                    invoiced_quantity=view.invoiced.get(line.line_no, 0),
                    rebilled_quantity=view.rebilled.get(line.line_no, 0),
                )
                for line in order.lines
            ],
            total_excl_tax=order.total_excl_tax,
            billing_state=view.state,
            supplier_invoice_ids=view.supplier_invoice_ids,
        )

    @router.get(
        "/numbering/check",
        response_model=NumberingCheckOut,
        summary="Proof that every invoice series runs 1..N with no gap and no duplicate",
    )
    async def check_numbering() -> NumberingCheckOut:
        async with runtime.unit_of_work() as uow:
            checks = await queries.check_numbering(uow)
        series = [
            SeriesCheckOut(
                series=c.series,
                year=c.year,
                count=c.count,
                first=c.first,
                last=c.last,
                counter_last=c.counter_last,
                gaps=list(c.gaps),
                duplicates=list(c.duplicates),
                ok=c.ok,
            )
            for c in checks
        ]
        return NumberingCheckOut(ok=all(c.ok for c in series), series=series)

    return router
