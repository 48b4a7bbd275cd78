"""SQL for the catalogue's price versions."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.orders.adapters.tables import catalogue_items
from services.orders.domain.catalogue import CatalogueItem, CatalogueSource, canonical_price
from shared.db import dialect_insert, utcnow


def _item(row: Any) -> CatalogueItem:
    return CatalogueItem(
        code=row.code,
        label=row.label,
        unit=row.unit,
        unit_price=canonical_price(row.unit_price),
        vat_category=row.vat_category,
        vat_rate=row.vat_rate,
        source=CatalogueSource(row.source),
        contract_reference=row.contract_reference,
        valid_from=row.valid_from,
    )


class CatalogueRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add_version(self, item: CatalogueItem) -> bool:
        """False when this code already has a version from this date (a concurrent creator included)."""
        insert = dialect_insert(self.session)
        result = await self.session.execute(
            insert(catalogue_items)
            .values(
                id=uuid.uuid4(),
                code=item.code,
                valid_from=item.valid_from,
                label=item.label,
                unit=item.unit,
                unit_price=item.unit_price,
                vat_category=item.vat_category,
                vat_rate=item.vat_rate,
                source=item.source.value,
                contract_reference=item.contract_reference,
                created_at=utcnow(),
            )
            .on_conflict_do_nothing(index_elements=["code", "valid_from"])
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]

    async def in_force(self, code: str, day: dt.date) -> CatalogueItem | None:
        """The version with the latest `valid_from` on or before `day`."""
        row = (
            await self.session.execute(
                select(catalogue_items)
                .where(catalogue_items.c.code == code, catalogue_items.c.valid_from <= day)
                .order_by(catalogue_items.c.valid_from.desc())
                .limit(1)
            )
        ).first()
        return _item(row) if row else None

    async def list_in_force(self, day: dt.date, *, limit: int, after: str | None) -> list[CatalogueItem]:
        """One version per code, the one in force on `day`, by code."""
        latest = (
            select(catalogue_items.c.code, func.max(catalogue_items.c.valid_from).label("valid_from"))
            .where(catalogue_items.c.valid_from <= day)
            .group_by(catalogue_items.c.code)
            .subquery()
        )
        query = (
            select(catalogue_items)
            .join(
                latest,
                (catalogue_items.c.code == latest.c.code)
                & (catalogue_items.c.valid_from == latest.c.valid_from),
            )
            .order_by(catalogue_items.c.code)
            .limit(limit)
        )
        if after:
            query = query.where(catalogue_items.c.code > after)
        return [_item(row) for row in (await self.session.execute(query)).all()]
