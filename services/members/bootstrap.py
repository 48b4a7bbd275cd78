"""Wires the members service: its tables, routes and message handlers."""

from __future__ import annotations

from pathlib import Path

from services.members.adapters.tables import messaging
from services.members.entrypoints import access, api, deliberations_api, schools_api, support_api, tariffs_api
from shared.service import ServiceDefinition

DEFINITION = ServiceDefinition(
    name="members",
    title="Members service",
    description=(
        "Members, deliberations, adhesion to the « numérique éducatif » competence, schools and pupil "
        "counts, yearly tariffs, subsidies, entitlements, support requests and ENT usage statistics."
    ),
    tables=messaging,
    migrations=Path(__file__).parent / "migrations",
    routers=lambda runtime: [
        api.build_router(runtime),
        deliberations_api.build_router(runtime),
        schools_api.build_router(runtime),
        tariffs_api.build_router(runtime),
        support_api.build_router(runtime),
    ],
    handlers=lambda runtime: {},  # the members service consumes no event yet
    policy=access.policy,
)
