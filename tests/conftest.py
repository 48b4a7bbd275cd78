"""Fixtures every test module can use: real PostgreSQL databases and RabbitMQ virtual hosts."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest

from tests import infra


@pytest.fixture
async def pg_url() -> AsyncIterator[str]:
    """A fresh, empty PostgreSQL database for one test, dropped afterwards."""
    infra.require("PostgreSQL", infra.PG_HOST, infra.PG_PORT)
    name, url = await infra.create_database("ent_test")
    try:
        yield url
    finally:
        await infra.drop_database(name)


@pytest.fixture
async def pg_url_factory() -> AsyncIterator[object]:
    """Several fresh databases in one test (one per service)."""
    infra.require("PostgreSQL", infra.PG_HOST, infra.PG_PORT)
    created: list[str] = []

    async def make(prefix: str = "ent_test") -> str:
        name, url = await infra.create_database(prefix)
        created.append(name)
        return url

    yield make
    for name in created:
        await infra.drop_database(name)


@pytest.fixture
def amqp_url() -> Iterator[str]:
    """A fresh RabbitMQ virtual host for one test, deleted afterwards."""
    infra.require("RabbitMQ", infra.AMQP_HOST, infra.AMQP_PORT)
    name, url = infra.create_vhost()
    try:
        yield url
    finally:
        infra.delete_vhost(name)
