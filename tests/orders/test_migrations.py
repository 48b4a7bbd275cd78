"""The orders migrations go up, down to nothing, and up again on PostgreSQL (stairway)."""

from __future__ import annotations

import pytest
from sqlalchemy import inspect

from services.orders.bootstrap import DEFINITION
from shared.db import Database
from shared.migrations import downgrade, upgrade

pytestmark = pytest.mark.postgres


async def tables(database: Database) -> set[str]:
    async with database.engine.connect() as conn:
        return set(await conn.run_sync(lambda sync: inspect(sync).get_table_names()))


async def test_orders_migrations_upgrade_downgrade_and_upgrade_again(pg_url: str) -> None:
    database = Database(pg_url)
    try:
        await upgrade(DEFINITION.migrations, database.engine)
        assert {"quotes", "purchase_orders", "member_directory", "outbox", "inbox"} <= await tables(database)
        await downgrade(DEFINITION.migrations, database.engine, "base")
        assert await tables(database) <= {"alembic_version"}
        await upgrade(DEFINITION.migrations, database.engine)
        assert "purchase_order_lines" in await tables(database)
    finally:
        await database.dispose()
