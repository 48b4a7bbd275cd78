"""Running a service: its definition, the process lifespan, and the `python -m services.X` command."""

from __future__ import annotations

import argparse
import asyncio
import logging
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

from fastapi import APIRouter, FastAPI

from shared.context import service_var
from shared.contracts.topology import system_topology
from shared.db import Database
from shared.http.app import create_app
from shared.http.audit_routes import allow_audit_routes, build_audit_router
from shared.idempotency import IdempotencyStore
from shared.logging import configure_logging
from shared.messaging.broker import Broker
from shared.messaging.factory import make_broker
from shared.messaging.inbox import AfterCommitHook, Handler
from shared.messaging.outbox import AfterPublishHook
from shared.messaging.tables import MessagingTables
from shared.migrations import upgrade
from shared.runtime import Roles, ServiceRuntime
from shared.security.dependencies import Authenticator
from shared.security.devkeys import ensure_dev_key_pair
from shared.security.policy import RoutePolicy
from shared.security.settings import AuthSettings
from shared.settings import Environment, ServiceSettings

log = logging.getLogger(__name__)

HandlerTable = Mapping[str, Mapping[str, Handler]]


@dataclass(frozen=True)
class ServiceDefinition:
    """What a service contributes; its `bootstrap` module builds one."""

    name: str
    title: str
    description: str
    tables: MessagingTables
    migrations: Path
    routers: Callable[[ServiceRuntime], Sequence[APIRouter]]
    handlers: Callable[[ServiceRuntime], HandlerTable]
    # Who may call which `/v1` route (its `entrypoints/access.py`): enforced on every router.
    policy: Callable[[], RoutePolicy]

    def runtime(
        self,
        settings: ServiceSettings,
        broker: Broker,
        *,
        db: Database | None = None,
        after_publish: AfterPublishHook | None = None,
        after_commit: AfterCommitHook | None = None,
    ) -> ServiceRuntime:
        runtime = ServiceRuntime(
            name=self.name,
            db=db or Database(settings.database_url, pool_size=settings.db_pool_size),
            tables=self.tables,
            broker=broker,
            topology=system_topology(
                max_attempts=settings.max_attempts, retry_delay_ms=settings.retry_delay_ms
            ),
            roles=Roles.parse(settings.roles),
            relay_batch_size=settings.relay_batch_size,
            relay_poll_interval=settings.relay_poll_interval_s,
            consumer_prefetch=settings.consumer_prefetch,
            after_publish=after_publish,
            after_commit=after_commit,
            settings=settings,
        )
        runtime.handlers = self.handlers(runtime)
        return runtime

    def api(self, runtime: ServiceRuntime) -> list[APIRouter]:
        """The service's own routers, and the staff's read of its audit trail."""
        return [*self.routers(runtime), build_audit_router(runtime)]

    def access_policy(self) -> RoutePolicy:
        """The service's role table (`policy`), with the audit routes' rules."""
        return allow_audit_routes(self.policy())

    def idempotency_store(self, runtime: ServiceRuntime) -> IdempotencyStore | None:
        keys = runtime.tables.idempotency_keys
        return None if keys is None else IdempotencyStore(runtime.db, keys)


def default_authenticator(settings: AuthSettings | None = None) -> Authenticator:
    """The authenticator the `ENT_AUTH_*` settings describe.

    Outside production, with no key configured, the development key pair (`var/dev-keys`, relative to
    the working directory: the repository root for `make run` and `make run-services`) is created if
    missing, so the services start out of the box and trust `python -m launcher.tokens`.
    """
    auth = settings or AuthSettings()
    configured = auth.jwks_url or auth.public_key or auth.public_key_file
    if auth.enabled and auth.environment is not Environment.PRODUCTION and not configured:
        ensure_dev_key_pair(auth.dev_key_dir)
    return Authenticator.from_settings(auth)


@asynccontextmanager
async def running(
    runtimes: Sequence[ServiceRuntime],
    broker: Broker,
    definitions: Sequence[ServiceDefinition],
    *,
    migrate: bool,
) -> AsyncIterator[None]:
    """Connect, migrate, start relays and consumers; stop them in reverse on the way out."""
    if migrate:
        for runtime, definition in zip(runtimes, definitions, strict=True):
            await upgrade(definition.migrations, runtime.db.engine)
    await broker.connect()
    try:
        for runtime in runtimes:
            await runtime.start()
        yield
    finally:
        for runtime in reversed(runtimes):
            await runtime.stop()
        await broker.close()
        for runtime in runtimes:
            await runtime.db.dispose()


def service_app(
    definition: ServiceDefinition,
    settings: ServiceSettings,
    *,
    migrate: bool = False,
    authenticator: Authenticator | None = None,
) -> FastAPI:
    """The service alone in its process, on its own database and the configured broker."""
    service_var.set(definition.name)
    broker = make_broker(settings, connection_name=f"ent-{definition.name}")
    runtime = definition.runtime(settings, broker)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        service_var.set(definition.name)
        async with running([runtime], broker, [definition], migrate=migrate):
            yield

    app = create_app(
        title=definition.title,
        description=definition.description,
        service_label=definition.name,
        routers=definition.api(runtime) if runtime.roles.api else [],
        readiness=[runtime.readiness],
        liveness=[runtime.liveness],
        lifespan=lifespan,
        max_request_bytes=settings.max_request_bytes,
        authenticator=authenticator or default_authenticator(),
        policies=[definition.access_policy()],
        idempotency=definition.idempotency_store(runtime),
    )
    app.state.runtime = runtime
    return app


def main(definition: ServiceDefinition, settings_class: type[ServiceSettings]) -> None:
    parser = argparse.ArgumentParser(
        prog=f"python -m services.{definition.name}", description=definition.title
    )
    parser.add_argument("command", choices=["serve", "migrate"], nargs="?", default="serve")
    parser.add_argument("--migrate", action="store_true", help="apply migrations before serving")
    args = parser.parse_args()
    settings = settings_class()
    configure_logging(settings.log_level)
    service_var.set(definition.name)
    if args.command == "migrate":
        database = Database(settings.database_url)

        async def _migrate() -> None:
            await upgrade(definition.migrations, database.engine)
            await database.dispose()

        asyncio.run(_migrate())
        log.info("%s database migrated", definition.name)
        return
    import uvicorn

    app = service_app(definition, settings, migrate=args.migrate)
    # Keep idle connections longer than a gateway or client pool would (nginx keeps 60 s): a server
    # closing a connection the client is reusing shows up as a read error on the client's side.
    uvicorn.run(
        app, host=settings.host, port=settings.port, log_config=None, access_log=False, timeout_keep_alive=75
    )


def composite_app(
    definitions: Sequence[ServiceDefinition],
    runtimes: Sequence[ServiceRuntime],
    broker: Broker,
    *,
    title: str,
    description: str = "",
    max_request_bytes: int | None = None,
    migrate: bool = True,
    on_started: Callable[[], object] | None = None,
    authenticator: Authenticator | None = None,
) -> FastAPI:
    """Several services in one process behind one app (the embedded mode, and in-process tests).

    Each keeps its own database, relay and consumers; they talk only through the shared broker.
    """

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        async with running(runtimes, broker, definitions, migrate=migrate):
            if on_started is not None:
                result = on_started()
                if asyncio.iscoroutine(result):
                    await result
            yield

    routers = [router for d, r in zip(definitions, runtimes, strict=True) for router in d.api(r)]
    if max_request_bytes is None:  # the strictest of the services' own limits
        limits = [r.settings.max_request_bytes for r in runtimes if r.settings is not None]
        max_request_bytes = min(limits) if limits else 1_048_576
    app = create_app(
        title=title,
        description=description,
        service_label="embedded",
        routers=routers,
        readiness=[r.readiness for r in runtimes],
        liveness=[r.liveness for r in runtimes],
        lifespan=lifespan,
        max_request_bytes=max_request_bytes,
        authenticator=authenticator or default_authenticator(),
        policies=[d.access_policy() for d in definitions],
        # One app, one store of keys: the first service's database holds them for all the routes.
        idempotency=definitions[0].idempotency_store(runtimes[0]) if definitions else None,
    )
    app.state.runtimes = {r.name: r for r in runtimes}
    return app
