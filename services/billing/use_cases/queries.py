"""Reading member invoices, billing's view of a PO, and the proof that numbering has no gap."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from services.billing.adapters.credit_notes import CreditNoteRepository
from services.billing.adapters.member_invoices import MemberInvoiceRepository
from services.billing.adapters.numbering import InvoiceNumbering
from services.billing.adapters.read_models import AttestationRepository, PurchaseOrderRepository
from services.billing.adapters.supplier_invoices import SupplierInvoiceRepository
from services.billing.domain.member_invoice import MemberInvoice
from services.billing.domain.numbering import SeriesCheck, check_series
from services.billing.domain.purchase_order import BillingState, PurchaseOrder, billing_state
from shared.errors import NotFound
from shared.uow import UnitOfWork


async def get_member_invoice(invoice_id: str, uow: UnitOfWork) -> MemberInvoice:
    invoice = await MemberInvoiceRepository(uow.session).get(invoice_id)
    if invoice is None:
        raise NotFound(f"no invoice {invoice_id}")
    return invoice


async def list_member_invoices(
    uow: UnitOfWork, *, limit: int, cursor: str | None, member_id: str | None, po_number: str | None
) -> list[MemberInvoice]:
    """In number order; the cursor is the last number of the previous page."""
    return await MemberInvoiceRepository(uow.session).list(
        limit=limit, after_number=cursor, member_id=member_id, po_number=po_number
    )


@dataclass(frozen=True)
class PurchaseOrderBilling:
    """What billing knows of a PO: its lines, what the contractor invoiced, what was rebilled."""

    order: PurchaseOrder
    attested: dict[int, Decimal]  # attested as done (service fait), summed over the attestations
    invoiced: dict[int, Decimal]  # claimed by supplier invoices (matched, approved or pending exception)
    rebilled: dict[int, Decimal]  # on member invoices
    state: BillingState
    supplier_invoice_ids: list[str]


async def purchase_order_billing(po_number: str, uow: UnitOfWork) -> PurchaseOrderBilling:
    order = await PurchaseOrderRepository(uow.session).get(po_number)
    if order is None:
        raise NotFound(f"purchase order {po_number} is unknown to billing", field="po_number")
    supplier_invoices = SupplierInvoiceRepository(uow.session)
    rebilled = await MemberInvoiceRepository(uow.session).rebilled_quantities(po_number)
    return PurchaseOrderBilling(
        order=order,
        attested=await AttestationRepository(uow.session).attested_quantities(po_number),
        invoiced=await supplier_invoices.claimed_quantities(po_number),
        rebilled=rebilled,
        state=billing_state({line.line_no: line.quantity for line in order.lines}, rebilled),
        supplier_invoice_ids=await supplier_invoices.ids_for_po(po_number),
    )


async def check_numbering(uow: UnitOfWork) -> list[SeriesCheck]:
    """Every (series, year) that has a counter or an issued number (invoices and credit notes), checked
    for gaps and duplicates."""
    issued = await MemberInvoiceRepository(uow.session).issued_sequences()
    for key, sequences in (await CreditNoteRepository(uow.session).issued_sequences()).items():
        issued[key] = issued.get(key, []) + sequences
    counters = await InvoiceNumbering(uow.session).counter_lasts()
    return [
        check_series(series, year, issued.get((series, year), []), counters.get((series, year)))
        for series, year in sorted(set(issued) | set(counters))
    ]
