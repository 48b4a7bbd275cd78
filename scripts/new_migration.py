"""Generate a migration for one service from its tables: `python scripts/new_migration.py members "message"`.

It diffs the service's metadata against a scratch PostgreSQL database brought to head first.
"""

from __future__ import annotations

import asyncio
import importlib
import sys
from pathlib import Path

import asyncpg
from alembic import command

from shared.migrations import alembic_config

ADMIN_DSN = "postgresql://postgres@127.0.0.1:5432/postgres"


async def _recreate(name: str) -> None:
    conn = await asyncpg.connect(ADMIN_DSN)
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()


def main() -> None:
    service, message = sys.argv[1], sys.argv[2]
    importlib.import_module(f"services.{service}.adapters.tables")
    scratch = f"ent_{service}_autogen"
    asyncio.run(_recreate(scratch))
    location = Path("services") / service / "migrations"
    config = alembic_config(location, f"postgresql+asyncpg://postgres@127.0.0.1:5432/{scratch}")
    command.upgrade(config, "heads")
    command.revision(config, message=message, autogenerate=True)


if __name__ == "__main__":
    main()
