"""Keeping billing's read models of members and purchase orders (run by consumers, never commit)."""

from __future__ import annotations

import datetime as dt

from services.billing.adapters.read_models import MemberDirectory, PurchaseOrderRepository
from services.billing.domain.lines import Buyer
from services.billing.domain.purchase_order import PurchaseOrder
from shared.uow import UnitOfWork


async def record_member(buyer: Buyer, as_of: dt.datetime, uow: UnitOfWork) -> None:
    """The member's latest identity and Chorus routing; an older event never overwrites a newer one."""
    await MemberDirectory(uow.session).record(buyer, as_of)


async def record_purchase_order(order: PurchaseOrder, quote_id: str, uow: UnitOfWork) -> bool:
    """A PO as issued by the orders service; recorded once, then immutable."""
    return await PurchaseOrderRepository(uow.session).add_if_new(order, quote_id)
