"""Wires Chorus Pro, payments and dunning into the billing service: the PISTE adapter when its settings
are given, the jobs, and the routers (bootstrap adds them with one line)."""

from __future__ import annotations

import datetime as dt
import weakref
from typing import Any

from services.billing.adapters.chorus_piste import PisteChorusGateway
from services.billing.config import BillingSettings
from services.billing.entrypoints.chorus_jobs import BillingJobs
from services.billing.entrypoints.chorus_routes import build_chorus_router
from services.billing.entrypoints.payment_routes import build_payment_router
from services.billing.entrypoints.seller import seller_from_settings
from services.billing.use_cases.chorus_polling import PistePolicy
from shared.runtime import ServiceRuntime

# One set of jobs per runtime (tests start several runtimes in one process).
_JOBS: dict[int, BillingJobs] = {}


def gateway_from_settings(settings: BillingSettings) -> PisteChorusGateway | None:
    if not settings.chorus_piste_configured:
        return None
    assert settings.chorus_client_secret is not None and settings.chorus_password is not None
    return PisteChorusGateway(
        api_url=settings.chorus_api_url or "",
        oauth_url=settings.chorus_oauth_url or "",
        client_id=settings.chorus_client_id or "",
        client_secret=settings.chorus_client_secret.get_secret_value(),
        login=settings.chorus_login or "",
        password=settings.chorus_password.get_secret_value(),
        timeout_s=settings.chorus_timeout_s,
    )


def jobs_of(runtime: ServiceRuntime, settings: BillingSettings) -> BillingJobs:
    key = id(runtime)
    if key not in _JOBS:
        _JOBS[key] = BillingJobs(
            runtime,
            gateway=gateway_from_settings(settings),
            seller=seller_from_settings(settings),
            policy=PistePolicy(
                lease=dt.timedelta(seconds=settings.chorus_claim_lease_s),
                retry_base_s=settings.chorus_retry_base_s,
                retry_max_s=settings.chorus_retry_max_s,
                poll_base_s=settings.chorus_poll_base_s,
                poll_max_s=settings.chorus_poll_max_s,
            ),
            interval_s=settings.chorus_job_interval_s,
            daily_interval_s=settings.dunning_interval_s,
        )
        weakref.finalize(runtime, _JOBS.pop, key, None)
    return _JOBS[key]


def chorus_routers(runtime: ServiceRuntime, settings: BillingSettings) -> list[Any]:
    jobs = jobs_of(runtime, settings)
    return [
        build_chorus_router(
            runtime, seller_from_settings(settings), lease=dt.timedelta(seconds=settings.chorus_claim_lease_s)
        ),
        build_payment_router(runtime),
        jobs.router(),
    ]
