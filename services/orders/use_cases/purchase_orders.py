"""Purchase orders (bons de commande) after their issue: reading and listing them, the contractor's
acknowledgement, service-done attestations (service fait), cancellation and closing."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from decimal import Decimal

from services.orders.adapters.purchase_order_repository import PurchaseOrderRepository
from services.orders.domain.contractor import ContractorError, ContractorGateway, ContractorUnreachable
from services.orders.domain.purchase_order import (
    AttestedLine,
    PurchaseOrder,
    PurchaseOrderStatus,
    ServiceAttestation,
)
from services.orders.use_cases.events import (
    purchase_order_acknowledged,
    purchase_order_transmitted,
    service_attested,
)
from shared.contracts.orders import PurchaseOrderCancelled, PurchaseOrderClosed
from shared.errors import Conflict, NotFound
from shared.uow import UnitOfWork


async def get_purchase_order(po_number: str, uow: UnitOfWork) -> PurchaseOrder:
    order = await PurchaseOrderRepository(uow.session).get_by_number(po_number)
    if order is None:
        raise NotFound(f"no purchase order {po_number}")
    return order


async def list_purchase_orders(
    uow: UnitOfWork,
    *,
    member_id: str | None,
    limit: int,
    after: str | None,
    status: PurchaseOrderStatus | None = None,
    issued_from: dt.date | None = None,
    issued_to: dt.date | None = None,
) -> list[PurchaseOrder]:
    return await PurchaseOrderRepository(uow.session).list(
        member_id=member_id,
        limit=limit,
        after=after,
        status=status,
        issued_from=issued_from,
        issued_to=issued_to,
    )


async def _locked(po_number: str, uow: UnitOfWork) -> tuple[PurchaseOrderRepository, PurchaseOrder]:
    repository = PurchaseOrderRepository(uow.session)
    order = await repository.get_by_number(po_number, for_update=True)
    if order is None:
        raise NotFound(f"no purchase order {po_number}")
    return repository, order


@dataclass(frozen=True)
class AttestService:
    po_number: str
    attested_on: dt.date
    attested_by: str
    lines: tuple[tuple[int, Decimal], ...]
    at: dt.datetime
    today: dt.date


async def attest_service(command: AttestService, uow: UnitOfWork) -> tuple[PurchaseOrder, ServiceAttestation]:
    """Record a service-done attestation (rule: `PurchaseOrder.attest`) and emit `orders.service.attested`
    with this attestation's quantities. The PO row is locked: two concurrent attestations are checked
    one after the other against the quantity ordered."""
    repository, order = await _locked(command.po_number, uow)
    known_history, known_attestations = len(order.history), len(order.attestations)
    attestation = ServiceAttestation(
        id=str(uuid.uuid4()),
        attested_on=command.attested_on,
        attested_by=command.attested_by.strip(),
        recorded_at=command.at,
        lines=tuple(AttestedLine(line_no, quantity) for line_no, quantity in command.lines),
    )
    order.attest(attestation, today=command.today)
    await repository.save(order, known_history=known_history, known_attestations=known_attestations)
    uow.emit(service_attested(order, attestation))
    await uow.commit()
    return order, attestation


@dataclass(frozen=True)
class AcknowledgePurchaseOrder:
    po_number: str
    contractor_reference: str | None
    at: dt.datetime


async def acknowledge_purchase_order(command: AcknowledgePurchaseOrder, uow: UnitOfWork) -> PurchaseOrder:
    """The contractor's acknowledgement (its callback, or staff recording it). A repeated one changes
    nothing and emits nothing; one for a cancelled PO is a conflict staff must sort out with it."""
    repository, order = await _locked(command.po_number, uow)
    known = len(order.history)
    # The acknowledgement may overtake the transmission's own answer: it proves the contractor holds it.
    transmitted = order.record_transmission(at=command.at, contractor_reference=command.contractor_reference)
    if transmitted:
        uow.emit(purchase_order_transmitted(order))
    if order.acknowledge(at=command.at, contractor_reference=command.contractor_reference):
        uow.emit(purchase_order_acknowledged(order))
    if uow.emitted:
        await repository.save(order, known_history=known, known_attestations=len(order.attestations))
        await uow.commit()
    return order


@dataclass(frozen=True)
class CancelPurchaseOrder:
    po_number: str
    cancelled_by: str
    reason: str
    at: dt.datetime


async def cancel_purchase_order(
    command: CancelPurchaseOrder, uow: UnitOfWork, gateway: ContractorGateway | None
) -> PurchaseOrder:
    """Only before the contractor acknowledged it (rule: `PurchaseOrder.cancel`). When the contractor
    already has it, it is told first, with the row locked: if it refuses (it acknowledged meanwhile) the
    cancellation is refused (409); if it cannot be reached, nothing changes (503, try again). Then the
    compensation event `orders.purchase_order.cancelled` tells billing nothing will come of it."""
    repository, order = await _locked(command.po_number, uow)
    known = len(order.history)
    was_transmitted = order.cancel(at=command.at, by=command.cancelled_by, reason=command.reason)
    notified = False
    if was_transmitted and gateway is not None:
        try:
            await gateway.cancel(order.po_number, command.reason)
        except ContractorError as exc:
            if exc.retryable:
                raise ContractorUnreachable(
                    f"the contractor could not be told of the cancellation ({exc}); nothing was changed"
                ) from exc
            raise Conflict(f"the contractor refused the cancellation: {exc}") from exc
        notified = True
    await repository.save(order, known_history=known, known_attestations=len(order.attestations))
    assert order.cancelled_at is not None
    uow.emit(
        PurchaseOrderCancelled(
            purchase_order_id=order.id,
            po_number=order.po_number,
            quote_id=order.quote_id,
            member_id=order.member_id,
            cancelled_at=order.cancelled_at,
            cancelled_by=command.cancelled_by,
            reason=command.reason,
            contractor_notified=notified,
        )
    )
    await uow.commit()
    return order


@dataclass(frozen=True)
class ClosePurchaseOrder:
    po_number: str
    closed_by: str
    reason: str | None
    at: dt.datetime


async def close_purchase_order(command: ClosePurchaseOrder, uow: UnitOfWork) -> PurchaseOrder:
    repository, order = await _locked(command.po_number, uow)
    known = len(order.history)
    fully_done = order.status is PurchaseOrderStatus.FULLY_DONE
    order.close(at=command.at, by=command.closed_by, reason=command.reason)
    await repository.save(order, known_history=known, known_attestations=len(order.attestations))
    assert order.closed_at is not None
    uow.emit(
        PurchaseOrderClosed(
            purchase_order_id=order.id,
            po_number=order.po_number,
            member_id=order.member_id,
            closed_at=order.closed_at,
            closed_by=command.closed_by,
            reason=command.reason,
            fully_done=fully_done,
        )
    )
    await uow.commit()
    return order
