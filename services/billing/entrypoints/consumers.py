"""Message handlers of the billing service. The inbox runs each inside its transaction and commits
after it (with the inbox row): a handler never commits."""

from __future__ import annotations

from decimal import Decimal

from services.billing.domain.lines import Address, Buyer, Line
from services.billing.domain.purchase_order import PurchaseOrder
from services.billing.use_cases import read_models, rebilling
from shared.clock import paris_today
from shared.contracts.billing import SupplierInvoiceApproved, SupplierInvoiceMatched
from shared.contracts.common import DocumentLine, PartySnapshot
from shared.contracts.envelope import Envelope
from shared.contracts.members import MemberRegistered
from shared.contracts.orders import PurchaseOrderIssued, ServiceAttested
from shared.uow import UnitOfWork


def _buyer(party: PartySnapshot | MemberRegistered) -> Buyer:
    return Buyer(
        member_id=party.member_id,
        name=party.name,
        siren=party.siren,
        siret=party.siret,
        address=Address(**party.address.model_dump()),
        service_code=party.service_code,
        chorus_requirement=party.chorus_requirement.value,
    )


def _line(line: DocumentLine) -> Line:
    # Field by field: `model_dump` would turn the amounts into strings (their wire form).
    return Line(
        line_no=line.line_no,
        item_code=line.item_code,
        label=line.label,
        unit=line.unit,
        quantity=line.quantity,
        unit_price=line.unit_price,
        vat_category=line.vat_category,
        vat_rate=line.vat_rate,
    )


async def on_member_changed(event: MemberRegistered, envelope: Envelope, uow: UnitOfWork) -> None:
    """`members.member.registered` and `.updated` (whose payload is the full new state)."""
    await read_models.record_member(_buyer(event), envelope.occurred_at, uow)


async def on_purchase_order_issued(event: PurchaseOrderIssued, envelope: Envelope, uow: UnitOfWork) -> None:
    order = PurchaseOrder(
        id=event.purchase_order_id,
        po_number=event.po_number,
        quote_number=event.quote_number,
        member_id=event.buyer.member_id,
        commitment_number=event.commitment_number,
        issued_on=event.issued_on,
        buyer=_buyer(event.buyer),
        lines=tuple(_line(line) for line in event.lines),
        total_excl_tax=event.total_excl_tax,
    )
    await read_models.record_purchase_order(order, event.quote_id, uow)


async def on_service_attested(event: ServiceAttested, envelope: Envelope, uow: UnitOfWork) -> None:
    """`orders.service.attested`: quantities of this attestation, added per PO line (recorded once)."""
    quantities: dict[int, Decimal] = {}
    for line in event.lines:
        quantities[line.line_no] = quantities.get(line.line_no, Decimal(0)) + line.quantity
    await read_models.record_attestation(
        attestation_id=event.attestation_id,
        po_number=event.po_number,
        attested_on=event.attested_on,
        attested_by=event.attested_by,
        quantities=quantities,
        uow=uow,
    )


async def on_supplier_invoice_matched(
    event: SupplierInvoiceMatched, envelope: Envelope, uow: UnitOfWork
) -> None:
    """Rebill it: the member invoice is issued today (Europe/Paris)."""
    command = rebilling.RebillSupplierInvoice(
        supplier_invoice_id=event.supplier_invoice_id, issue_date=paris_today()
    )
    await rebilling.rebill_supplier_invoice(command, uow)


async def on_supplier_invoice_approved(
    event: SupplierInvoiceApproved, envelope: Envelope, uow: UnitOfWork
) -> None:
    """An exception finance staff approved: rebilled exactly like a matched invoice."""
    command = rebilling.RebillSupplierInvoice(
        supplier_invoice_id=event.supplier_invoice_id, issue_date=paris_today()
    )
    await rebilling.rebill_supplier_invoice(command, uow)
