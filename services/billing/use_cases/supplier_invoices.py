"""Receiving a supplier invoice (facture fournisseur) and matching it against its PO (rapprochement)."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from services.billing.adapters.member_invoices import MemberInvoiceRepository
from services.billing.adapters.read_models import PurchaseOrderRepository
from services.billing.adapters.supplier_invoices import SupplierInvoiceRepository
from services.billing.domain.lines import Line
from services.billing.domain.matching import MatchingPolicy, match_supplier_invoice
from services.billing.domain.supplier_invoice import SupplierInvoice, SupplierInvoiceStatus
from services.billing.use_cases.events import supplier_invoice_exception, supplier_invoice_matched
from shared.errors import BusinessRuleViolation, Conflict, NotFound
from shared.uow import UnitOfWork


@dataclass(frozen=True)
class SubmitSupplierInvoice:
    supplier_invoice_number: str
    po_number: str
    issue_date: dt.date
    lines: Sequence[Line]
    total_excl_tax: Decimal
    received_on: dt.date


@dataclass(frozen=True)
class SupplierInvoiceView:
    invoice: SupplierInvoice
    member_invoice: tuple[str, str] | None  # (id, number) once rebilled


async def submit_supplier_invoice(
    command: SubmitSupplierInvoice, uow: UnitOfWork, *, policy: MatchingPolicy
) -> SupplierInvoice:
    """Store the invoice with its matching outcome and, in the same transaction, emit
    `billing.supplier_invoice.matched` (it is then rebilled) or `billing.supplier_invoice.exception`.

    Refused (nothing written): an unknown PO, a number already received, non-positive quantities,
    negative prices, a total excluding tax that is not the sum of the line nets.
    """
    invoice = SupplierInvoice.received(
        id=str(uuid.uuid4()),
        number=command.supplier_invoice_number,
        po_number=command.po_number,
        issue_date=command.issue_date,
        received_on=command.received_on,
        lines=command.lines,
        total_excl_tax=command.total_excl_tax,
    )
    # Locking the PO serialises its invoices, so two of them cannot both claim the same quantities.
    order = await PurchaseOrderRepository(uow.session).get(command.po_number, for_update=True)
    if order is None:
        raise BusinessRuleViolation(
            f"purchase order {command.po_number} is unknown to billing (if it was issued a moment ago, "
            "billing may not have received it yet: retry shortly)",
            field="po_number",
        )
    repository = SupplierInvoiceRepository(uow.session)
    if await repository.number_taken(invoice.number):
        raise Conflict(
            f"supplier invoice {invoice.number} was already received", field="supplier_invoice_number"
        )
    # Service-done attestations are not in billing's read model yet: the ordered quantity is the ceiling.
    outcome = match_supplier_invoice(
        order.lines,
        invoice.lines,
        await repository.claimed_quantities(order.po_number),
        policy=policy,
        attested=None,
    )
    invoice.record_match(outcome)
    await repository.add(invoice)
    if invoice.status is SupplierInvoiceStatus.MATCHED:
        uow.emit(supplier_invoice_matched(invoice, order))
    else:
        uow.emit(supplier_invoice_exception(invoice))
    await uow.commit()
    return invoice


async def get_supplier_invoice(invoice_id: str, uow: UnitOfWork) -> SupplierInvoiceView:
    invoice = await SupplierInvoiceRepository(uow.session).get(invoice_id)
    if invoice is None:
        raise NotFound(f"no supplier invoice {invoice_id}")
    return SupplierInvoiceView(
        invoice, await MemberInvoiceRepository(uow.session).id_for_supplier_invoice(invoice.id)
    )
