"""Orders (with members) in-process on PostgreSQL, and the contractor simulator on a real local port.

The simulator answers the orders service's HTTP gateway over a real socket (timeouts, refused
connections are real), and delivers its acknowledgements straight into the in-process orders app.
"""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import httpx
from asgi_lifespan import LifespanManager
from fastapi import FastAPI

from services.members.bootstrap import DEFINITION as MEMBERS
from services.members.config import MembersSettings
from services.orders.bootstrap import DEFINITION as ORDERS
from services.orders.config import OrdersSettings
from shared.messaging.broker import Broker
from shared.messaging.inprocess import InProcessBroker
from shared.messaging.rabbitmq import RabbitMQBroker
from shared.runtime import ServiceRuntime
from shared.security.principal import Role
from shared.service import composite_app
from simulators.contractor import ContractorState, build_app, serving
from tests.apps import authenticator_for_tests, bearer


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Bench:
    client: httpx.AsyncClient
    app: FastAPI
    runtimes: dict[str, ServiceRuntime]
    contractor_port: int
    contractor: ContractorState

    async def tell_contractor(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        """A request to the simulator over its real port (its admin endpoints)."""
        async with httpx.AsyncClient(
            base_url=f"http://127.0.0.1:{self.contractor_port}", timeout=10
        ) as client:
            return await client.request(method, path, **kwargs)

    @asynccontextmanager
    async def contractor_up(self) -> AsyncIterator[None]:
        """The contractor's system answers on its port for the duration of the block."""
        simulator = build_app(
            self.contractor,
            callback_transport=httpx.ASGITransport(app=self.app),
            callback_headers=bearer(Role.CONTRACTOR),
        )
        async with serving(simulator, port=self.contractor_port):
            yield


def transmission_settings(database_url: str, port: int, **overrides: Any) -> OrdersSettings:
    values: dict[str, Any] = {
        "database_url": database_url,
        "retry_delay_ms": 100,
        "contractor_url": f"http://127.0.0.1:{port}",
        "contractor_callback_url": "http://orders.test",
        "contractor_timeout_s": 1.0,
        "contractor_http_attempts": 2,
        "transmission_retry_base_s": 0.2,
        "transmission_retry_max_s": 0.5,
        "transmission_poll_s": 0.1,
    }
    return OrdersSettings(**values | overrides)


@asynccontextmanager
async def orders_with_contractor(
    pg_url_factory: Callable[[str], Awaitable[str]], *, amqp_url: str | None = None, **overrides: Any
) -> AsyncIterator[Bench]:
    port = free_port()
    members_url = await pg_url_factory("ent_test_members")
    orders_url = await pg_url_factory("ent_test_orders")
    broker: Broker = RabbitMQBroker(amqp_url, connection_name="tests") if amqp_url else InProcessBroker()
    definitions = [MEMBERS, ORDERS]
    runtimes = [
        MEMBERS.runtime(MembersSettings(database_url=members_url, retry_delay_ms=100), broker),
        ORDERS.runtime(transmission_settings(orders_url, port, **overrides), broker),
    ]
    app = composite_app(definitions, runtimes, broker, title="test", authenticator=authenticator_for_tests())
    async with (
        LifespanManager(app, startup_timeout=60, shutdown_timeout=30),
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://orders.test", headers=bearer(Role.ADMIN)
        ) as client,
    ):
        yield Bench(client, app, {r.name: r for r in runtimes}, port, ContractorState(ack_delay_s=-1))


async def eventually(probe: Callable[[], Awaitable[Any]], *, timeout: float = 15.0, what: str = "") -> Any:
    """Poll `probe` until it returns something truthy."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        result = await probe()
        if result:
            return result
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"not reached within {timeout}s: {what}")
        await asyncio.sleep(0.05)
