"""Transmission of purchase orders to the contractor, through the `ContractorGateway` port.

Why a transmission queue in our own table rather than the broker's retries: a contractor outage lasts
minutes or hours, far beyond the broker's retry budget (a few attempts seconds apart, shared by every
queue, then parking), and retrying inside a message handler would hold a database transaction and
connection for the whole outage. So the consumer of `orders.purchase_order.issued` only puts the PO in
the queue (`schedule_transmission`, inside the inbox's transaction: redelivery is harmless), and the
transmitter job (`transmit_due`) sends what is due, outside any transaction, recording every failed
attempt in the PO's history and retrying with capped exponential backoff until the contractor takes it
or staff cancel it. A PO is never sent twice at once: it is leased (its due time pushed past the
attempt's longest duration) under `FOR UPDATE SKIP LOCKED` before the call. A second submission after a
lost answer (timeout, garbage) is harmless: the contractor is idempotent by PO number.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass

from services.orders.adapters.purchase_order_repository import PurchaseOrderRepository
from services.orders.domain.contractor import ContractorError, ContractorGateway, ContractorReceipt
from services.orders.domain.purchase_order import PurchaseOrder, PurchaseOrderStatus, transmission_backoff
from services.orders.use_cases.events import purchase_order_acknowledged, purchase_order_transmitted
from shared.db import utcnow
from shared.errors import NotFound
from shared.uow import UnitOfWork

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class TransmissionPolicy:
    retry_base_s: float = 5.0
    retry_max_s: float = 300.0
    lease_s: float = 120.0  # longer than one gateway call with its own retries
    batch: int = 20


async def schedule_transmission(po_number: str, at: dt.datetime, uow: UnitOfWork) -> bool:
    """Runs in the inbox's transaction (no commit). True when the PO entered the transmission queue."""
    repository = PurchaseOrderRepository(uow.session)
    order = await repository.get_by_number(po_number, for_update=True)
    if order is None:
        raise NotFound(f"no purchase order {po_number}")
    known = len(order.history)
    if not order.schedule_transmission(at=at):
        return False
    await repository.save(order, known_history=known, known_attestations=len(order.attestations))
    return True


async def _lease_due(uow: UnitOfWork, policy: TransmissionPolicy) -> list[PurchaseOrder]:
    now = utcnow()
    repository = PurchaseOrderRepository(uow.session)
    due = await repository.lock_due_for_transmission(now, limit=policy.batch)
    for order in due:
        known = len(order.history)
        order.transmission_attempts += 1
        order.transmission_due_at = now + dt.timedelta(seconds=policy.lease_s)
        await repository.save(order, known_history=known, known_attestations=len(order.attestations))
    await uow.commit()
    return due


async def transmit_due(
    uow_factory: Callable[[], UnitOfWork], gateway: ContractorGateway, policy: TransmissionPolicy
) -> int:
    """One run of the transmitter: lease what is due, submit each, record each outcome. Returns how
    many POs were attempted."""
    async with uow_factory() as uow:
        due = await _lease_due(uow, policy)
    for order in due:
        outcome: ContractorReceipt | ContractorError
        try:
            outcome = await gateway.submit(order)
        except ContractorError as exc:
            outcome = exc
        async with uow_factory() as uow:
            await _record_outcome(order.po_number, outcome, uow, gateway, policy)
    return len(due)


async def _record_outcome(
    po_number: str,
    outcome: ContractorReceipt | ContractorError,
    uow: UnitOfWork,
    gateway: ContractorGateway,
    policy: TransmissionPolicy,
) -> None:
    repository = PurchaseOrderRepository(uow.session)
    order = await repository.get_by_number(po_number, for_update=True)
    if order is None:  # pragma: no cover - POs are never deleted
        return
    known = len(order.history)
    at = utcnow()
    if isinstance(outcome, ContractorError):
        retry_at = (
            at
            + transmission_backoff(
                order.transmission_attempts, base_s=policy.retry_base_s, max_s=policy.retry_max_s
            )
            if outcome.retryable
            else None
        )
        log.warning(
            "transmission of %s failed (attempt %d): %s", po_number, order.transmission_attempts, outcome
        )
        order.record_transmission_failure(
            at=at, reason=f"{type(outcome).__name__}: {outcome}", retry_at=retry_at
        )
    elif order.status is PurchaseOrderStatus.CANCELLED:
        # Cancelled while the submission was on its way: pass the cancellation on (the compensation).
        order.transmission_due_at = None
        try:
            await gateway.cancel(po_number, "cancelled by the syndicate before transmission completed")
            order.note(
                at,
                "contractor_cancelled",
                "the contractor received it after its cancellation; told to drop it",
            )
        except ContractorError as exc:
            order.note(
                at, "contractor_cancel_failed", f"the contractor holds this cancelled order: tell it ({exc})"
            )
    else:
        if order.record_transmission(at=at, contractor_reference=outcome.contractor_reference):
            uow.emit(purchase_order_transmitted(order))
        if outcome.acknowledged and order.acknowledge(
            at=at, contractor_reference=outcome.contractor_reference
        ):
            uow.emit(purchase_order_acknowledged(order))
    await repository.save(order, known_history=known, known_attestations=len(order.attestations))
    await uow.commit()
