from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from shared.db import Database
from tests.messaging import harness


@pytest.fixture
async def producer_db(pg_url_factory) -> AsyncIterator[Database]:
    db = Database(await pg_url_factory("ent_test_producer"))
    await harness.create_schema(db.engine)
    yield db
    await db.dispose()


@pytest.fixture
async def consumer_db(pg_url_factory) -> AsyncIterator[Database]:
    db = Database(await pg_url_factory("ent_test_consumer"))
    await harness.create_schema(db.engine)
    yield db
    await db.dispose()
