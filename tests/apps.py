"""Run services in the test's process, behind an httpx client, on real or in-process brokers.

The services verify tokens signed by `TEST_KEYS` (an in-memory development pair); the client
`run_services` yields sends an admin token by default. Another role's headers: `bearer(Role.MEMBER,
member_id=...)`, passed per request (`client.get(..., headers=bearer(...))`).
"""

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
from shared.security.dependencies import Authenticator
from shared.security.devkeys import DevKeyPair, generate_key_pair, mint_token, public_pem_of, token_claims
from shared.security.principal import Role
from shared.security.settings import DEFAULT_AUDIENCE, DEV_ISSUER
from shared.security.tokens import StaticKey, TokenVerifier
from shared.service import ServiceDefinition, composite_app
from shared.settings import ServiceSettings

TEST_CONTRACTOR_ID = "test-contractor"


def _test_keys() -> DevKeyPair:
    key = generate_key_pair()
    return DevKeyPair(private_key=key, public_pem=public_pem_of(key), kid="tests")


TEST_KEYS = _test_keys()


def authenticator_for_tests(keys: DevKeyPair = TEST_KEYS) -> Authenticator:
    """What the services under test trust: tokens signed by `keys`, with the development claims."""
    return Authenticator(
        TokenVerifier(keys=StaticKey(keys.public_pem), issuer=DEV_ISSUER, audience=DEFAULT_AUDIENCE)
    )


def token(
    role: Role = Role.ADMIN,
    *,
    member_id: str | None = None,
    contractor_id: str | None = None,
    keys: DevKeyPair = TEST_KEYS,
) -> str:
    if role is Role.CONTRACTOR and contractor_id is None:
        contractor_id = TEST_CONTRACTOR_ID
    return mint_token(keys, token_claims(role, member_id=member_id, contractor_id=contractor_id))


def bearer(role: Role = Role.ADMIN, **binding: str | None) -> dict[str, str]:
    return {"Authorization": f"Bearer {token(role, **binding)}"}  # type: ignore[arg-type]


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
    or the in-process broker when it is None. The client sends an admin token unless told otherwise."""
    broker: Broker = RabbitMQBroker(amqp_url, connection_name="tests") if amqp_url else InProcessBroker()
    runtimes = [definition.runtime(settings, broker) for definition, settings in services]
    app = composite_app(
        [d for d, _ in services], runtimes, broker, title="test", authenticator=authenticator_for_tests()
    )
    async with LifespanManager(app, startup_timeout=60, shutdown_timeout=30):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(
            transport=transport, base_url="http://testserver", headers=bearer(Role.ADMIN)
        ) as client:
            yield RunningServices(client=client, runtimes={r.name: r for r in runtimes}, broker=broker)
