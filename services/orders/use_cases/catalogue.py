"""The catalogue: BPU and contractor catalogue items, one price version per validity date."""

from __future__ import annotations

import datetime as dt

from services.orders.adapters.catalogue_repository import CatalogueRepository
from services.orders.domain.catalogue import CatalogueItem
from shared.errors import Conflict
from shared.uow import UnitOfWork


async def add_catalogue_version(item: CatalogueItem, uow: UnitOfWork) -> CatalogueItem:
    """A new item, or a new price of an existing code from `valid_from`. A version is never edited:
    quotes made under it keep the price they froze."""
    if not await CatalogueRepository(uow.session).add_version(item):
        raise Conflict(
            f"item {item.code} already has a price from {item.valid_from.isoformat()}", field="valid_from"
        )
    uow.record("orders.catalogue_item.priced", "catalogue_item", item.code, after=item)
    await uow.commit()
    return item


async def catalogue_in_force(
    day: dt.date, uow: UnitOfWork, *, limit: int, after: str | None
) -> list[CatalogueItem]:
    return await CatalogueRepository(uow.session).list_in_force(day, limit=limit, after=after)
