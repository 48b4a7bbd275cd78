"""What billing tells orders back: the member invoice (refacturation) issued for a purchase order."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from services.orders.adapters.purchase_order_repository import PurchaseOrderRepository
from shared.db import utcnow
from shared.errors import NotFound
from shared.uow import UnitOfWork


@dataclass(frozen=True)
class RecordMemberInvoice:
    po_number: str
    invoice_number: str
    issue_date: dt.date


async def record_member_invoice(command: RecordMemberInvoice, uow: UnitOfWork) -> None:
    """Runs inside the inbox's transaction (no commit here). An unknown PO number raises, so the
    message is retried, then parked for staff: billing only rebills POs it learnt from us."""
    repository = PurchaseOrderRepository(uow.session)
    order = await repository.get_by_number(command.po_number, for_update=True)
    if order is None:
        raise NotFound(f"no purchase order {command.po_number}")
    known = len(order.history)
    order.record_member_invoice(
        invoice_number=command.invoice_number, issue_date=command.issue_date, at=utcnow()
    )
    await repository.save_member_invoice(order, order.history[known:])
