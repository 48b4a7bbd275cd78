"""The members service alone on a fresh PostgreSQL database, in-process broker."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from services.members.adapters.tables import messaging
from services.members.bootstrap import DEFINITION
from services.members.config import MembersSettings
from tests.apps import run_services


@pytest.fixture
async def members(pg_url: str):
    async with run_services([(DEFINITION, MembersSettings(database_url=pg_url))]) as running:
        yield running


async def outbox(running, routing_key: str) -> list[dict]:
    """The payloads the members service wrote to its outbox under `routing_key`, oldest first."""
    import json

    async with running.runtimes["members"].unit_of_work() as uow:
        rows = (
            await uow.session.execute(
                select(messaging.outbox.c.body)
                .where(messaging.outbox.c.routing_key == routing_key)
                .order_by(messaging.outbox.c.id)
            )
        ).all()
    return [json.loads(row.body)["payload"] for row in rows]
