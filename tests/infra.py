"""Real PostgreSQL and RabbitMQ for the tests: throwaway databases and virtual hosts.

When a server is unreachable the run says so loudly; with ENT_REQUIRE_SERVICES=1 (set by .ci/run)
that is a failure instead of a skip.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import uuid
from urllib.parse import quote

import asyncpg
import pytest

PG_HOST = os.environ.get("ENT_TEST_PG_HOST", "127.0.0.1")
PG_PORT = int(os.environ.get("ENT_TEST_PG_PORT", "5432"))
PG_USER = os.environ.get("ENT_TEST_PG_USER", "postgres")
AMQP_HOST = os.environ.get("ENT_TEST_AMQP_HOST", "127.0.0.1")
AMQP_PORT = int(os.environ.get("ENT_TEST_AMQP_PORT", "5672"))
REQUIRED = os.environ.get("ENT_REQUIRE_SERVICES") == "1"


def reachable(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=2):
            return True
    except OSError:
        return False


def require(name: str, host: str, port: int) -> None:
    if reachable(host, port):
        return
    message = f"{name} is unreachable at {host}:{port}"
    banner = f"\n{'!' * 72}\n!! {message}: tests that need it are SKIPPED\n{'!' * 72}\n"
    if REQUIRED:
        pytest.fail(f"{message} and ENT_REQUIRE_SERVICES=1", pytrace=False)
    sys.stderr.write(banner)
    pytest.skip(message)


def admin_dsn() -> str:
    return f"postgresql://{PG_USER}@{PG_HOST}:{PG_PORT}/postgres"


async def create_database(prefix: str) -> tuple[str, str]:
    """A new empty database; returns (name, SQLAlchemy async URL)."""
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    conn = await asyncpg.connect(admin_dsn())
    try:
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    return name, f"postgresql+asyncpg://{PG_USER}@{PG_HOST}:{PG_PORT}/{name}"


async def drop_database(name: str) -> None:
    conn = await asyncpg.connect(admin_dsn())
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await conn.close()


def rabbitmqctl(*args: str, timeout: float = 60) -> str:
    binary = shutil.which("rabbitmqctl") or "/usr/sbin/rabbitmqctl"
    result = subprocess.run([binary, *args], capture_output=True, text=True, timeout=timeout, check=True)
    return result.stdout


def create_vhost() -> tuple[str, str]:
    """A fresh RabbitMQ virtual host (isolated exchanges and queues); returns (name, AMQP URL)."""
    name = f"ent-test-{uuid.uuid4().hex[:10]}"
    rabbitmqctl("add_vhost", name)
    rabbitmqctl("set_permissions", "-p", name, "guest", ".*", ".*", ".*")
    return name, f"amqp://guest:guest@{AMQP_HOST}:{AMQP_PORT}/{quote(name, safe='')}"


def delete_vhost(name: str) -> None:
    subprocess.run(
        [shutil.which("rabbitmqctl") or "rabbitmqctl", "delete_vhost", name],
        capture_output=True,
        timeout=60,
        check=False,
    )
