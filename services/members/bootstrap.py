"""Wires the members service: its tables, routes and message handlers."""

from __future__ import annotations

from pathlib import Path

from services.members.adapters.tables import messaging
from services.members.entrypoints.api import build_router
from shared.service import ServiceDefinition

DEFINITION = ServiceDefinition(
    name="members",
    title="Members service",
    description="Members, adhesion to the « numérique éducatif » competence, schools and tariffs.",
    tables=messaging,
    migrations=Path(__file__).parent / "migrations",
    routers=lambda runtime: [build_router(runtime)],
    handlers=lambda runtime: {},  # the members service consumes no event yet
)
