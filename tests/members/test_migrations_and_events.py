"""The members migrations (stairway on PostgreSQL, SQLite for the embedded mode), and the new events
arriving through a real RabbitMQ into the orders service's read model."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import inspect, select

from services.members.adapters.tables import messaging
from services.members.bootstrap import DEFINITION as MEMBERS
from services.members.config import MembersSettings
from services.orders.bootstrap import DEFINITION as ORDERS
from services.orders.config import OrdersSettings
from shared.db import Database
from shared.migrations import downgrade, upgrade
from tests.apps import run_services
from tests.members.helpers import adhere, committee_deliberation, new_member, valid_uai


async def _tables(database: Database) -> set[str]:
    async with database.engine.connect() as conn:
        return set(await conn.run_sync(lambda sync: inspect(sync).get_table_names()))


@pytest.mark.postgres
async def test_members_migrations_upgrade_downgrade_and_upgrade_again(pg_url: str) -> None:
    database = Database(pg_url)
    try:
        await upgrade(MEMBERS.migrations, database.engine)
        assert {"schools", "tariff_schedules", "notifications", "member_versions"} <= await _tables(database)
        await downgrade(MEMBERS.migrations, database.engine, "base")
        assert await _tables(database) <= {"alembic_version"}
        await upgrade(MEMBERS.migrations, database.engine)
        assert "pupil_counts" in await _tables(database)
    finally:
        await database.dispose()


async def test_the_members_service_runs_on_sqlite_with_its_migrations(tmp_path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'members.db'}"
    async with run_services([(MEMBERS, MembersSettings(database_url=url))]) as running:
        client = running.client
        member_id = await new_member(client, 61)
        await adhere(client, member_id)
        uai = valid_uai(61)
        created = await client.post(
            "/v1/schools",
            json={
                "uai": uai,
                "name": "École",
                "commune_insee": "59350",
                "member_id": member_id,
                "attached_from": "2026-01-01",
            },
        )
        assert created.status_code == 201, created.text
        imported = await client.post(
            "/v1/schools/pupil-counts/import",
            content=f"{uai};2026-2027;88\n",
            headers={"content-type": "text/csv"},
        )
        assert imported.status_code == 201, imported.text
        deliberation = await committee_deliberation(client, "CS-9", date="2026-12-01")
        tariff = await client.post(
            "/v1/tariffs",
            json={
                "year": 2027,
                "base_per_pupil": "1.30",
                "optional_per_pupil": "0.30",
                "half_day_rate": "150.00",
                "pupil_count_school_year": "2026-2027",
                "deliberation_id": deliberation["id"],
            },
        )
        assert tariff.status_code == 201 and tariff.json()["base_per_pupil"] == "1.30"
        assert (await client.patch(f"/v1/members/{member_id}", json={"name": "CC renommée"})).json()[
            "version"
        ] == 2


@pytest.mark.postgres
@pytest.mark.rabbitmq
async def test_a_withdrawal_reaches_orders_through_rabbitmq_and_new_events_are_routed(
    pg_url_factory, amqp_url: str
) -> None:
    members_url = await pg_url_factory("ent_test_members")
    orders_url = await pg_url_factory("ent_test_orders")
    async with run_services(
        [
            (MEMBERS, MembersSettings(database_url=members_url, retry_delay_ms=100)),
            (ORDERS, OrdersSettings(database_url=orders_url, retry_delay_ms=100)),
        ],
        amqp_url=amqp_url,
    ) as running:
        client = running.client
        member_id = await new_member(client, 71)
        adhesion = await adhere(client, member_id, effective_date="2026-03-01")
        await client.post(
            f"/v1/adhesions/{adhesion['id']}/withdrawal",
            json={"deliberation_date": "2026-09-20", "effective_date": "2026-10-31"},
        )
        deliberation = await committee_deliberation(client, "CS-R", date="2026-09-01")
        await client.post(
            "/v1/tariffs",
            json={
                "year": 2026,
                "base_per_pupil": "1.30",
                "optional_per_pupil": "0.30",
                "half_day_rate": "150.00",
                "pupil_count_school_year": "2025-2026",
                "deliberation_id": deliberation["id"],
            },
        )

        async def eligibility(day: str) -> dict:
            return (await client.get(f"/v1/quote-eligibility/{member_id}", params={"on": day})).json()

        deadline = asyncio.get_running_loop().time() + 30
        while (
            (await eligibility("2026-11-01")).get("known") is not True
            or (await eligibility("2026-10-30"))["active"] is not True
            or (await eligibility("2026-10-31"))["active"] is not False
        ):
            assert asyncio.get_running_loop().time() < deadline, await eligibility("2026-10-31")
            await asyncio.sleep(0.2)

        # Every members event was published, confirmed and routed (mandatory): none left pending.
        while True:
            async with running.runtimes["members"].unit_of_work() as uow:
                rows = (
                    await uow.session.execute(
                        select(messaging.outbox.c.routing_key, messaging.outbox.c.sent_at)
                    )
                ).all()
            if all(row.sent_at is not None for row in rows):
                break
            assert asyncio.get_running_loop().time() < deadline, rows
            await asyncio.sleep(0.1)
        assert {"members.tariff.adopted", "members.adhesion.withdrawn"} <= {row.routing_key for row in rows}
