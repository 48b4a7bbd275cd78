"""Gapless counters: a locked row per series, incremented in the caller's transaction.

A database sequence would leave gaps on rollback; a counter row locked with `SELECT ... FOR UPDATE`
in the issuing transaction gives the next number only if that transaction commits, and makes
concurrent issuers wait their turn. How numbers are formatted is each service's business.
"""

from __future__ import annotations

from sqlalchemy import Column, Integer, MetaData, String, Table, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from shared.db import dialect_insert


def counters_table(metadata: MetaData) -> Table:
    return Table(
        "number_counters",
        metadata,
        Column("series", String(50), primary_key=True),
        Column("year", Integer, primary_key=True),
        Column("last_number", Integer, nullable=False),
    )


async def next_number(session: AsyncSession, counters: Table, series: str, year: int) -> int:
    """The next number of (series, year), starting at 1. Must run inside the issuing transaction."""
    return (await next_numbers(session, counters, series, year, 1))[0]


async def next_numbers(session: AsyncSession, counters: Table, series: str, year: int, count: int) -> range:
    """The next `count` numbers of (series, year), in one locked increment: a batch of documents issued
    in one transaction takes a block, still gapless (a rollback gives the whole block back)."""
    insert = dialect_insert(session)
    # Create the row if this is the series' first number of the year; a concurrent creator wins quietly.
    await session.execute(
        insert(counters).values(series=series, year=year, last_number=0).on_conflict_do_nothing()
    )
    current = (
        await session.execute(
            select(counters.c.last_number)
            .where(counters.c.series == series, counters.c.year == year)
            .with_for_update()
        )
    ).scalar_one()
    first = int(current) + 1
    await session.execute(
        update(counters)
        .where(counters.c.series == series, counters.c.year == year)
        .values(last_number=first + count - 1)
    )
    return range(first, first + count)
