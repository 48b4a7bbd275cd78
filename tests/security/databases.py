"""The two backends the security tables must work on: a SQLite file and a real PostgreSQL database."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest

from tests import infra

BACKENDS = [
    pytest.param("sqlite", id="sqlite"),
    pytest.param("postgres", id="postgres", marks=pytest.mark.postgres),
]


@asynccontextmanager
async def database_url(backend: str, tmp_path: Path) -> AsyncIterator[str]:
    """A fresh database (what the `pg_url` fixture gives, for a parametrised fixture)."""
    if backend == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'security.db'}"
        return
    infra.require("PostgreSQL", infra.PG_HOST, infra.PG_PORT)
    name, url = await infra.create_database("ent_test_security")
    try:
        yield url
    finally:
        await infra.drop_database(name)
