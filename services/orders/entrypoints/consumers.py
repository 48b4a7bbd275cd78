"""Message handlers of the orders service. The inbox runs each inside one transaction with its
idempotency row and commits after it: a handler never commits."""

from __future__ import annotations

from services.orders.domain.member_directory import ChorusRequirement, MemberIdentity, PostalAddress
from services.orders.use_cases import member_directory
from services.orders.use_cases.billing_feedback import RecordMemberInvoice, record_member_invoice
from services.orders.use_cases.transmission import schedule_transmission
from shared.contracts.billing import InvoiceIssued
from shared.contracts.envelope import Envelope
from shared.contracts.members import (
    AdhesionApproved,
    AdhesionRejected,
    AdhesionWithdrawn,
    MemberRegistered,
    MemberUpdated,
)
from shared.contracts.orders import PurchaseOrderIssued
from shared.db import utcnow
from shared.uow import UnitOfWork


async def on_member_registered(
    event: MemberRegistered | MemberUpdated, envelope: Envelope, uow: UnitOfWork
) -> None:
    """Registration and update carry the full identity; the newest by occurrence time wins."""
    identity = MemberIdentity(
        member_id=event.member_id,
        kind=event.kind,
        name=event.name,
        siren=event.siren,
        siret=event.siret,
        address=PostalAddress(**event.address.model_dump()),
        service_code=event.service_code,
        chorus_requirement=ChorusRequirement(event.chorus_requirement.value),
    )
    await member_directory.record_member_identity(identity, envelope.occurred_at, uow)


async def on_adhesion_approved(event: AdhesionApproved, envelope: Envelope, uow: UnitOfWork) -> None:
    await member_directory.record_adhesion_approved(
        event.adhesion_id, event.member_id, event.effective_date, uow
    )


async def on_adhesion_rejected(event: AdhesionRejected, envelope: Envelope, uow: UnitOfWork) -> None:
    await member_directory.record_adhesion_rejected(event.adhesion_id, event.member_id, uow)


async def on_adhesion_withdrawn(event: AdhesionWithdrawn, envelope: Envelope, uow: UnitOfWork) -> None:
    await member_directory.record_adhesion_withdrawn(
        event.adhesion_id, event.member_id, event.effective_date, uow
    )


async def on_invoice_issued(event: InvoiceIssued, envelope: Envelope, uow: UnitOfWork) -> None:
    """A member invoice that rebills one of our purchase orders; contribution invoices have no PO."""
    if event.po_number is None:
        return
    await record_member_invoice(
        RecordMemberInvoice(
            po_number=event.po_number, invoice_number=event.number, issue_date=event.issue_date
        ),
        uow,
    )


async def on_purchase_order_issued(event: PurchaseOrderIssued, envelope: Envelope, uow: UnitOfWork) -> None:
    """Our own PO, back from the broker on `orders.transmission`: put it in the transmission queue.
    No call to the contractor here (see `use_cases.transmission`): this commits in milliseconds."""
    await schedule_transmission(event.po_number, utcnow(), uow)
