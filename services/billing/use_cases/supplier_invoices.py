"""Receiving a supplier invoice (facture fournisseur), matching it against its PO and what was attested
as done (rapprochement), and the staff decisions on an exception."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from services.billing.adapters.member_invoices import MemberInvoiceRepository
from services.billing.adapters.read_models import AttestationRepository, PurchaseOrderRepository
from services.billing.adapters.supplier_invoices import SupplierInvoiceRepository
from services.billing.domain.lines import Line
from services.billing.domain.matching import MatchingPolicy, match_supplier_invoice
from services.billing.domain.supplier_invoice import StaffDecision, SupplierInvoice, SupplierInvoiceStatus
from services.billing.use_cases.events import (
    supplier_invoice_approved,
    supplier_invoice_disputed,
    supplier_invoice_exception,
    supplier_invoice_matched,
    supplier_invoice_received,
)
from shared.db import utcnow
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
    source: str = "api"
    upload_id: str | None = None
    upload_sha256: str | None = None


@dataclass(frozen=True)
class DecideOnException:
    supplier_invoice_id: str
    reason: str
    decided_by: str


@dataclass(frozen=True)
class SupplierInvoiceView:
    invoice: SupplierInvoice
    member_invoice: tuple[str, str] | None  # (id, number) once rebilled


async def submit_supplier_invoice(
    command: SubmitSupplierInvoice, uow: UnitOfWork, *, policy: MatchingPolicy, commit: bool = True
) -> SupplierInvoice:
    """Store the invoice with its matching outcome and, in the same transaction, emit
    `billing.supplier_invoice.received` then `.matched` (it is then rebilled) or `.exception`.

    Matching holds each line to what was attested as done (service fait) and not yet invoiced: an
    invoice over quantities nobody attested is an exception, listed with its reasons.
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
    invoice.source, invoice.upload_id = command.source, command.upload_id
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
    outcome = match_supplier_invoice(
        order.lines,
        invoice.lines,
        await repository.claimed_quantities(order.po_number),
        policy=policy,
        attested=await AttestationRepository(uow.session).attested_quantities(order.po_number),
    )
    invoice.record_match(outcome)
    await repository.add(invoice)
    uow.emit(supplier_invoice_received(invoice, command.upload_sha256))
    if invoice.status is SupplierInvoiceStatus.MATCHED:
        uow.emit(supplier_invoice_matched(invoice, order))
    else:
        uow.emit(supplier_invoice_exception(invoice))
    if commit:
        await uow.commit()
    return invoice


async def approve_exception(command: DecideOnException, uow: UnitOfWork) -> SupplierInvoice:
    """Finance staff approve an exception with a written reason: status `approved`, event
    `billing.supplier_invoice.approved`, then rebilled like a matched invoice (exactly once)."""
    return await _decide(command, uow, approve=True)


async def dispute_exception(command: DecideOnException, uow: UnitOfWork) -> SupplierInvoice:
    """Finance staff dispute an exception: status `disputed`, event `billing.supplier_invoice.disputed`;
    not paid nor rebilled, the contractor must send a credit note. Its quantities are released."""
    return await _decide(command, uow, approve=False)


async def _decide(command: DecideOnException, uow: UnitOfWork, *, approve: bool) -> SupplierInvoice:
    repository = SupplierInvoiceRepository(uow.session)
    # The row lock makes two concurrent decisions wait for each other: the second sees the first's status.
    invoice = await repository.get(command.supplier_invoice_id, for_update=True)
    if invoice is None:
        raise NotFound(f"no supplier invoice {command.supplier_invoice_id}")
    decision = StaffDecision(
        reason=command.reason.strip(), decided_by=command.decided_by.strip(), decided_at=utcnow()
    )
    if approve:
        invoice.approve(decision)
    else:
        invoice.dispute(decision)
    await repository.record_decision(invoice)
    order = await PurchaseOrderRepository(uow.session).get(invoice.po_number)
    if order is None:  # cannot happen: the invoice was matched against it
        raise LookupError(f"no purchase order {invoice.po_number}")
    uow.emit(supplier_invoice_approved(invoice, order) if approve else supplier_invoice_disputed(invoice))
    await uow.commit()
    return invoice


async def get_supplier_invoice(invoice_id: str, uow: UnitOfWork) -> SupplierInvoiceView:
    invoice = await SupplierInvoiceRepository(uow.session).get(invoice_id)
    if invoice is None:
        raise NotFound(f"no supplier invoice {invoice_id}")
    return SupplierInvoiceView(
        invoice, await MemberInvoiceRepository(uow.session).id_for_supplier_invoice(invoice.id)
    )
