"""Run services in the test's process, behind an httpx client, on real or in-process brokers."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass

import httpx
from asgi_lifespan import LifespanManager

from shared.messaging.broker import Broker
from shared.messaging.inprocess import InProcessBroker
from shared.messaging.rabbitmq import RabbitMQBroker
from shared.runtime import ServiceRuntime
from shared.service import ServiceDefinition, composite_app
from shared.settings import ServiceSettings


@dataclass
class RunningServices:
    client: httpx.AsyncClient
    runtimes: dict[str, ServiceRuntime]
    broker: Broker


@asynccontextmanager
async def run_services(
    services: Sequence[tuple[ServiceDefinition, ServiceSettings]],
    *,
    amqp_url: str | None = None,
) -> AsyncIterator[RunningServices]:
    """Start the given services (migrations applied) sharing one broker: RabbitMQ at `amqp_url`,
    or the in-process broker when it is None."""
    broker: Broker = RabbitMQBroker(amqp_url, connection_name="tests") if amqp_url else InProcessBroker()
    runtimes = [definition.runtime(settings, broker) for definition, settings in services]
    app = composite_app([d for d, _ in services], runtimes, broker, title="test")
    async with LifespanManager(app, startup_timeout=60, shutdown_timeout=30):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            yield RunningServices(client=client, runtimes={r.name: r for r in runtimes}, broker=broker)
