"""Rebilling (refacturation): a matched or approved supplier invoice becomes exactly one member invoice."""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from dataclasses import dataclass

from services.billing.adapters.member_invoices import MemberInvoiceRepository
from services.billing.adapters.numbering import InvoiceNumbering
from services.billing.adapters.read_models import AttestationRepository, PurchaseOrderRepository
from services.billing.adapters.supplier_invoices import SupplierInvoiceRepository
from services.billing.domain.member_invoice import MemberInvoice, rebill
from services.billing.domain.numbering import Series
from services.billing.use_cases.events import invoice_issued
from shared.uow import UnitOfWork

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RebillSupplierInvoice:
    supplier_invoice_id: str
    issue_date: dt.date  # today in Europe/Paris, given by the caller


async def rebill_supplier_invoice(command: RebillSupplierInvoice, uow: UnitOfWork) -> MemberInvoice | None:
    """Issue the member invoice of a matched (or staff-approved) supplier invoice: same lines at the same
    prices, the PO's buyer snapshot, commitment number and references, the date of the PO's last
    service-done attestation, a number of the marketplace series, a provisional due date; emit
    `billing.invoice.issued`.

    Exactly once per supplier invoice: the supplier invoice row is locked first, so a redelivered or
    raced event finds the invoice already issued and takes no number (and the unique constraint on
    `supplier_invoice_id` holds the line if anything got past). Runs in the caller's transaction.
    """
    supplier_invoice = await SupplierInvoiceRepository(uow.session).get(
        command.supplier_invoice_id, for_update=True
    )
    if supplier_invoice is None:
        raise LookupError(f"no supplier invoice {command.supplier_invoice_id}")  # retried, then parked
    invoices = MemberInvoiceRepository(uow.session)
    if await invoices.id_for_supplier_invoice(supplier_invoice.id) is not None:
        log.info("supplier invoice %s already rebilled", supplier_invoice.number)
        return None
    if not supplier_invoice.rebillable:
        log.warning(
            "supplier invoice %s is %s: not rebilled", supplier_invoice.number, supplier_invoice.status
        )
        return None
    order = await PurchaseOrderRepository(uow.session).get(supplier_invoice.po_number)
    if order is None:  # cannot happen: the supplier invoice was matched against it
        raise LookupError(f"no purchase order {supplier_invoice.po_number}")
    service_date = await AttestationRepository(uow.session).last_attested_on(order.po_number)
    # The number comes last, just before the insert: nothing that can still refuse the issue follows it.
    number = await InvoiceNumbering(uow.session).issue(Series.MARKETPLACE, command.issue_date.year)
    invoice = rebill(
        id=str(uuid.uuid4()),
        supplier_invoice=supplier_invoice,
        order=order,
        number=number,
        issue_date=command.issue_date,
        service_date=service_date,
    )
    await invoices.add(invoice)
    uow.emit(invoice_issued(invoice))
    return invoice
