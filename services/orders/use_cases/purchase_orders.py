"""Reading purchase orders (bons de commande) and their history."""

from __future__ import annotations

from services.orders.adapters.purchase_order_repository import PurchaseOrderRepository
from services.orders.domain.purchase_order import PurchaseOrder
from shared.errors import NotFound
from shared.uow import UnitOfWork


async def get_purchase_order(po_number: str, uow: UnitOfWork) -> PurchaseOrder:
    order = await PurchaseOrderRepository(uow.session).get_by_number(po_number)
    if order is None:
        raise NotFound(f"no purchase order {po_number}")
    return order


async def list_purchase_orders(
    uow: UnitOfWork, *, member_id: str | None, limit: int, after: str | None
) -> list[PurchaseOrder]:
    return await PurchaseOrderRepository(uow.session).list(member_id=member_id, limit=limit, after=after)
