"""Embedded mode: the three services in one process, each on its own SQLite file, talking through
the in-process broker with the same outbox, inbox and handlers as in production.

    python -m launcher.embedded          (PORT=8000 by default; data in ./var/embedded)
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

import httpx
import uvicorn
from fastapi import FastAPI

from launcher.demo import seed
from launcher.tokens import dev_token, print_demo_tokens
from services.billing.bootstrap import DEFINITION as BILLING
from services.billing.config import BillingSettings
from services.members.bootstrap import DEFINITION as MEMBERS
from services.members.config import MembersSettings
from services.orders.bootstrap import DEFINITION as ORDERS
from services.orders.config import OrdersSettings
from shared.logging import configure_logging
from shared.messaging.inprocess import InProcessBroker
from shared.security.principal import Role
from shared.security.settings import DEV_KEY_DIR, AuthSettings
from shared.service import composite_app, default_authenticator
from shared.settings import BrokerKind

log = logging.getLogger("launcher.embedded")

DESCRIPTION = """Back office of the « numérique éducatif » competence of Nord-Pas-de-Calais Numérique,
running embedded: members, marketplace orders and billing in one process."""


def build_app(
    data_dir: Path, *, with_demo: bool = True, key_dir: Path = DEV_KEY_DIR, print_tokens: bool = True
) -> FastAPI:
    """The whole API on SQLite files in `data_dir`, trusting the development keys of `key_dir`.

    Once started (and seeded), it prints a ready-to-use token per role, the member's bound to a demo
    member, so the API can be tried from `/docs` ("Authorize") or curl straight away.
    """
    data_dir.mkdir(parents=True, exist_ok=True)
    common = {"broker": BrokerKind.INPROCESS, "retry_delay_ms": 1000}
    services = [
        (MEMBERS, MembersSettings(database_url=f"sqlite+aiosqlite:///{data_dir / 'members.db'}", **common)),
        (ORDERS, OrdersSettings(database_url=f"sqlite+aiosqlite:///{data_dir / 'orders.db'}", **common)),
        (BILLING, BillingSettings(database_url=f"sqlite+aiosqlite:///{data_dir / 'billing.db'}", **common)),
    ]
    broker = InProcessBroker()
    runtimes = [definition.runtime(settings, broker) for definition, settings in services]
    app: FastAPI

    async def on_started() -> None:
        member_id = None
        if with_demo:
            # Seeding goes through the public API (in memory, no socket), after the consumers started,
            # as an administrator holding a development token like any other caller.
            transport = httpx.ASGITransport(app=app)
            admin = {"Authorization": f"Bearer {dev_token(Role.ADMIN, key_dir=key_dir)}"}
            async with httpx.AsyncClient(
                transport=transport, base_url="http://embedded", headers=admin
            ) as client:
                member_id = await seed(client)
        if print_tokens:
            print_demo_tokens(member_id=member_id, key_dir=key_dir)

    app = composite_app(
        [definition for definition, _ in services],
        runtimes,
        broker,
        title="ENT back office (embedded)",
        description=DESCRIPTION,
        on_started=on_started,
        authenticator=default_authenticator(AuthSettings(dev_key_dir=key_dir)),
    )
    return app


def main() -> None:
    configure_logging(os.environ.get("ENT_LOG_LEVEL", "INFO"))
    port = int(os.environ.get("PORT", "8000"))
    host = os.environ.get("HOST", "127.0.0.1")
    data_dir = Path(os.environ.get("ENT_DATA_DIR", "var/embedded"))
    app = build_app(data_dir, with_demo=os.environ.get("ENT_DEMO", "1") == "1")
    log.info("serving the whole API on http://%s:%d (OpenAPI: /docs), data in %s", host, port, data_dir)
    uvicorn.run(app, host=host, port=port, log_config=None, access_log=False)


if __name__ == "__main__":
    main()
