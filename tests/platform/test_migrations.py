"""Every service's migrations form one line (one head), and go up, all the way down and up again on
PostgreSQL and on SQLite: a release can be rolled back, and branches merged side by side stay joined."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy import inspect

from services.billing.bootstrap import DEFINITION as BILLING
from services.members.bootstrap import DEFINITION as MEMBERS
from services.orders.bootstrap import DEFINITION as ORDERS
from shared.db import Database
from shared.migrations import downgrade, upgrade
from shared.service import ServiceDefinition

DEFINITIONS = [MEMBERS, ORDERS, BILLING]


@pytest.mark.parametrize("definition", DEFINITIONS, ids=lambda d: d.name)
def test_one_head(definition: ServiceDefinition) -> None:
    config = Config()
    config.set_main_option("script_location", str(definition.migrations))
    heads = ScriptDirectory.from_config(config).get_heads()
    assert len(heads) == 1, f"{definition.name} has several heads {heads}: add a merge revision"


async def _tables(database: Database) -> set[str]:
    async with database.engine.connect() as conn:
        return set(await conn.run_sync(lambda sync: inspect(sync).get_table_names()))


@pytest.mark.postgres
@pytest.mark.parametrize("definition", DEFINITIONS, ids=lambda d: d.name)
@pytest.mark.parametrize("backend", ["postgresql", "sqlite"])
async def test_up_down_and_up_again(
    definition: ServiceDefinition, backend: str, pg_url_factory, tmp_path: Path
) -> None:
    url = (
        f"sqlite+aiosqlite:///{tmp_path / 'db.sqlite'}"
        if backend == "sqlite"
        else await pg_url_factory(f"ent_stairway_{definition.name}")
    )
    database = Database(url)
    try:
        await upgrade(definition.migrations, database.engine)
        first = await _tables(database)
        assert {"outbox", "inbox", "audit_log", "idempotency_keys"} <= first
        await downgrade(definition.migrations, database.engine, "base")
        assert await _tables(database) <= {"alembic_version", f"alembic_version_{definition.name}"}
        await upgrade(definition.migrations, database.engine)
        assert await _tables(database) == first
    finally:
        await database.dispose()
