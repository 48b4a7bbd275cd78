"""The staff's read of the audit trail: an object's history, and the chain's verification.

Each service serves its own trail under `/v1/<service>-audit/...`: several services share one app in
the embedded mode, and a gateway routes by the first segment of the path, so the service names it.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query
from pydantic import BaseModel

from shared.audit import AuditEntry, object_history, verify_chain
from shared.runtime import ServiceRuntime
from shared.security.policy import STAFF, RoutePolicy
from shared.security.principal import Role

Segment = Annotated[str, Path(max_length=100, pattern=r"^[A-Za-z0-9._:-]+$")]


class AuditEntryOut(BaseModel):
    id: int
    occurred_at: dt.datetime
    actor_subject: str
    actor_role: str
    action: str
    object_type: str
    object_id: str
    state_before: Any
    state_after: Any
    correlation_id: str | None
    prev_hash: str
    hash: str


class AuditHistoryOut(BaseModel):
    object_type: str
    object_id: str
    entries: list[AuditEntryOut]


class ChainReportOut(BaseModel):
    ok: bool
    summary: str
    problems: list[str]


def _entry_out(entry: AuditEntry) -> AuditEntryOut:
    def parsed(text: str | None) -> Any:
        return None if text is None else json.loads(text)

    return AuditEntryOut(
        **{
            **entry.__dict__,
            "state_before": parsed(entry.state_before),
            "state_after": parsed(entry.state_after),
        }
    )


def audit_paths(service: str) -> tuple[str, str]:
    return f"/{service}-audit/{{object_type}}/{{object_id}}", f"/{service}-audit/verify"


def build_audit_router(runtime: ServiceRuntime) -> APIRouter:
    tables = runtime.tables.audit
    assert tables is not None, "a service's tables include its audit trail"
    history_path, verify_path = audit_paths(runtime.name)
    router = APIRouter(prefix="/v1", tags=["audit"])

    @router.get(
        verify_path,
        response_model=ChainReportOut,
        summary=f"Verify the hash chain of the {runtime.name} audit trail",
        operation_id=f"verify_{runtime.name}_audit_trail",
    )
    async def verify() -> ChainReportOut:
        async with runtime.db.sessionmaker() as session:
            report = await verify_chain(session, tables)
        return ChainReportOut(
            ok=report.ok,
            summary=report.summary(),
            problems=[f"entry {p.entry_id}: {p.kind}: {p.detail}" for p in report.problems],
        )

    @router.get(
        history_path,
        response_model=AuditHistoryOut,
        summary=f"An object's history in the {runtime.name} audit trail (who, role, when, before/after)",
        operation_id=f"{runtime.name}_audit_history",
    )
    async def history(
        object_type: Segment, object_id: Segment, limit: Annotated[int, Query(ge=1, le=1000)] = 200
    ) -> AuditHistoryOut:
        async with runtime.db.sessionmaker() as session:
            entries = await object_history(session, tables, object_type, object_id, limit=limit)
        return AuditHistoryOut(
            object_type=object_type, object_id=object_id, entries=[_entry_out(e) for e in entries]
        )

    return router


def allow_audit_routes(policy: RoutePolicy) -> RoutePolicy:
    history_path, verify_path = audit_paths(policy.service)
    policy.allow("GET", "/v1" + history_path, STAFF, "an object's audit history")
    policy.allow("GET", "/v1" + verify_path, frozenset({Role.ADMIN}), "verify the audit chain")
    return policy
