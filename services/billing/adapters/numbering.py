"""Issuing numbers from the gapless counters (shared.numbering), in the issuing transaction."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services.billing.adapters.tables import counters
from services.billing.domain.numbering import InvoiceNumber, Series
from shared.numbering import next_number, next_numbers


class InvoiceNumbering:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def issue(self, series: Series, year: int) -> InvoiceNumber:
        """The next number of the series for the year. The counter row stays locked until the caller's
        transaction ends: concurrent issuers wait, and a rollback gives the number back."""
        return InvoiceNumber(series, year, await next_number(self.session, counters, series.value, year))

    async def issue_many(self, series: Series, year: int, count: int) -> list[InvoiceNumber]:
        """`count` consecutive numbers for documents issued together in the caller's transaction."""
        block = await next_numbers(self.session, counters, series.value, year, count)
        return [InvoiceNumber(series, year, sequence) for sequence in block]

    async def counter_lasts(self) -> dict[tuple[str, int], int]:
        rows = (await self.session.execute(select(counters))).all()
        return {(row.series, row.year): row.last_number for row in rows}
