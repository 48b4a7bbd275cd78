"""Idempotency keys for POSTs that create or change money or legal state (`Idempotency-Key` header).

Same key + same request replays the first answer (status, body, content type, Location); same key +
another request → 422; while the first is still running → 409. A key belongs to the caller (the
token's subject): two callers never see each other's keys. Keys are kept `retention` (24 h) after
their answer, then purged (`purge_expired`, run by the relay's housekeeping or a cron).

How a request goes, and what a crash leaves behind:
1. **Claim** — in its own short transaction, insert the key row `in_progress` with a fresh token
   (ON CONFLICT DO NOTHING). Whoever inserts it runs the request; the others read the row and
   answer replay / 409 / 422.
2. **Effect** — the route runs, its unit of work commits the change.
3. **Complete** — the answer is stored and the row marked `completed` (own transaction, fenced by the
   token). `IdempotencyStore.complete(claim, response, session=uow.session)` stores it inside the
   effect's own transaction instead, which removes the window below, when the caller can do so.

A crash (or a failure to store) between 2 and 3 leaves the row `in_progress`: the change may have
happened, so a retry with the key answers 409 until the row expires (`retention` after the claim),
never a second effect. The 409 tells the client to check the resource and to use a new key if it
must try again. A 4xx raised by the route (validation, business rule: raised before any commit, by
convention) releases the key: nothing happened, the client may correct and retry. An unexpected
error or 5xx marks the key `failed`: outcome unknown, 409 as above.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from fastapi import FastAPI, Response
from fastapi.security.utils import get_authorization_scheme_param
from sqlalchemy import (
    Column,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    Uuid,
    delete,
    select,
    update,
)
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from shared.db import Database, UTCDateTime, dialect_insert, utcnow
from shared.errors import ApplicationError, Conflict
from shared.http.problems import problem

log = logging.getLogger(__name__)

HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
KEY_PATTERN = r"^[\x21-\x7e]{1,200}$"  # visible ASCII: UUIDs, ULIDs, client-made strings
_KEY = re.compile(KEY_PATTERN)
RETENTION = dt.timedelta(hours=24)
_REPLAYED_HEADERS = ("location",)

IN_PROGRESS, COMPLETED, FAILED = "in_progress", "completed", "failed"


def idempotency_table(metadata: MetaData, *, name: str = "idempotency_keys") -> Table:
    """Add the keys table to a service's metadata (migrated with it)."""
    return Table(
        name,
        metadata,
        Column("subject", String(200), primary_key=True),
        Column("key", String(200), primary_key=True),
        Column("fingerprint", String(64), nullable=False),
        Column("status", String(20), nullable=False),
        Column("token", Uuid, nullable=False),  # fences completion to the claim that runs the request
        Column("response_status", Integer, nullable=True),
        Column("response_body", LargeBinary, nullable=True),
        Column("response_content_type", String(200), nullable=True),
        Column("response_headers", Text, nullable=True),
        Column("created_at", UTCDateTime, nullable=False),
        Column("completed_at", UTCDateTime, nullable=True),
        Column("expires_at", UTCDateTime, nullable=False, index=True),
    )


class IdempotencyKeyReused(ApplicationError):
    status = 422
    type_slug = "idempotency-key-reused"
    title = "Idempotency key reused for another request"


class IdempotencyKeyInProgress(Conflict):
    type_slug = "idempotency-key-in-progress"
    title = "A request with this idempotency key is in progress"


class IdempotencyFenceLost(RuntimeError):
    """The claim is no longer ours (expired and re-claimed): the effect's transaction must roll back."""


@dataclass(frozen=True)
class StoredResponse:
    status: int
    body: bytes
    content_type: str | None
    headers: dict[str, str]


@dataclass(frozen=True)
class Claim:
    subject: str
    key: str
    token: uuid.UUID


def request_fingerprint(
    *, method: str, path: str, query: str, subject: str, body: bytes, content_type: str
) -> str:
    """Hash of what makes two requests "the same": method, path and query, caller, body.

    A JSON body is compared by value (key order and spacing do not matter)."""
    payload = body
    if "json" in content_type.lower() and body:
        try:
            payload = json.dumps(json.loads(body), sort_keys=True, separators=(",", ":")).encode()
        except (ValueError, RecursionError):
            payload = body
    digest = hashlib.sha256()
    for part in (method.upper().encode(), path.encode(), query.encode(), subject.encode(), payload):
        digest.update(len(part).to_bytes(8, "big"))
        digest.update(part)
    return digest.hexdigest()


class IdempotencyStore:
    def __init__(
        self,
        db: Database,
        table: Table,
        *,
        retention: dt.timedelta = RETENTION,
        clock: Callable[[], dt.datetime] = utcnow,
    ) -> None:
        if retention < RETENTION:
            raise ValueError("idempotency keys are kept at least 24 hours")
        self.db = db
        self.table = table
        self.retention = retention
        self.clock = clock

    def _row(self, subject: str, key: str) -> Any:
        return (self.table.c.subject == subject) & (self.table.c.key == key)

    async def claim(self, *, subject: str, key: str, fingerprint: str) -> Claim | StoredResponse:
        """The claim to run the request, or the first answer to replay; 409/422 errors otherwise."""
        t = self.table
        token = uuid.uuid4()
        async with self.db.sessionmaker() as session, session.begin():
            now = self.clock()
            # An expired key is forgotten: the request is new again.
            await session.execute(delete(t).where(self._row(subject, key), t.c.expires_at <= now))
            inserted = (
                await session.execute(
                    dialect_insert(session)(t)
                    .values(
                        subject=subject,
                        key=key,
                        fingerprint=fingerprint,
                        status=IN_PROGRESS,
                        token=token,
                        created_at=now,
                        expires_at=now + self.retention,
                    )
                    .on_conflict_do_nothing()
                    .returning(t.c.token)
                )
            ).first()
            if inserted is not None:
                return Claim(subject=subject, key=key, token=token)
            row = (await session.execute(select(t).where(self._row(subject, key)))).one()
        if row.fingerprint != fingerprint:
            raise IdempotencyKeyReused(
                f"The key {key!r} was first used for another request; use a new key for this one."
            )
        if row.status == COMPLETED:
            return StoredResponse(
                status=row.response_status,
                body=row.response_body or b"",
                content_type=row.response_content_type,
                headers=json.loads(row.response_headers or "{}"),
            )
        if row.status == FAILED:
            raise IdempotencyKeyInProgress(
                "The first request with this key failed and its outcome is unknown; check the resource, "
                "then retry with a new key."
            )
        raise IdempotencyKeyInProgress(
            "The first request with this key has not finished (or was interrupted); retry later, or check "
            f"the resource and use a new key. The key expires at {row.expires_at.isoformat()}."
        )

    async def complete(
        self, claim: Claim, response: StoredResponse, *, session: AsyncSession | None = None
    ) -> None:
        """Store the answer. With `session`, inside the effect's transaction (atomic with it)."""
        t = self.table
        now = self.clock()
        statement = (
            update(t)
            .where(self._row(claim.subject, claim.key), t.c.token == claim.token, t.c.status == IN_PROGRESS)
            .values(
                status=COMPLETED,
                response_status=response.status,
                response_body=response.body,
                response_content_type=response.content_type,
                response_headers=json.dumps(response.headers),
                completed_at=now,
                expires_at=now + self.retention,
            )
            .returning(t.c.key)
        )
        if session is not None:
            stored = (await session.execute(statement)).first()
        else:
            async with self.db.sessionmaker() as own, own.begin():
                stored = (await own.execute(statement)).first()
        if stored is None:
            raise IdempotencyFenceLost(f"idempotency key {claim.key!r} is no longer held by this request")

    async def _finish(self, claim: Claim, *, release: bool) -> None:
        t = self.table
        mine = self._row(claim.subject, claim.key) & (t.c.token == claim.token) & (t.c.status == IN_PROGRESS)
        try:
            async with self.db.sessionmaker() as session, session.begin():
                if release:
                    await session.execute(delete(t).where(mine))
                else:
                    await session.execute(update(t).where(mine).values(status=FAILED))
        except Exception:
            # The row stays in progress: a retry gets 409 until it expires, never a double effect.
            log.exception("could not %s idempotency key", "release" if release else "mark failed")

    async def release(self, claim: Claim) -> None:
        """Nothing happened (4xx): forget the key so the client may retry with it."""
        await self._finish(claim, release=True)

    async def fail(self, claim: Claim) -> None:
        """Outcome unknown (5xx, crash): keep the key, answering 409 until it expires."""
        await self._finish(claim, release=False)

    async def purge_expired(self) -> int:
        async with self.db.sessionmaker() as session, session.begin():
            result = await session.execute(delete(self.table).where(self.table.c.expires_at <= self.clock()))
        return int(getattr(result, "rowcount", 0) or 0)


# --- As a middleware: every POST under /v1 of an app --------------------------------------------------


class IdempotencyMiddleware:
    """The `Idempotency-Key` behaviour for every `POST /v1/...` of an app, whatever its router.

    It sits inside the body-size limit and outside the routes: it reads the caller's subject from the
    bearer token (with the app's authenticator; an unauthenticated call passes through to its 401),
    claims the key, lets the request run, and stores the answer. The route's own 4xx releases the key
    (nothing happened), a 5xx marks it failed (outcome unknown: 409 until it expires).
    """

    def __init__(self, app: ASGIApp, *, store: IdempotencyStore | None) -> None:
        self.app = app
        self.store = store

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            self.store is None
            or scope["type"] != "http"
            or scope["method"] != "POST"
            or not scope["path"].startswith("/v1/")
        ):
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        key = headers.get(HEADER)
        if key is None:
            await self.app(scope, receive, send)
            return
        if not _KEY.match(key):
            await _answer(scope, receive, send, _key_problem(scope, "1 to 200 visible ASCII characters"))
            return
        subject = await _subject(scope, headers)
        if subject is None:  # no valid token: the route answers its 401
            await self.app(scope, receive, send)
            return
        body = await _read_body(receive)
        fingerprint = request_fingerprint(
            method="POST",
            path=scope["path"],
            query=scope.get("query_string", b"").decode("latin-1"),
            subject=subject,
            body=body,
            content_type=headers.get("content-type", ""),
        )
        try:
            outcome = await self.store.claim(subject=subject, key=key, fingerprint=fingerprint)
        except ApplicationError as refused:  # same key, other request (422), or still running (409)
            await _answer(
                scope,
                receive,
                send,
                problem(
                    refused.status, refused.type_slug, refused.title, str(refused), instance=scope["path"]
                ),
            )
            return
        if isinstance(outcome, StoredResponse):
            replay = Response(
                content=outcome.body,
                status_code=outcome.status,
                media_type=outcome.content_type,
                headers={**outcome.headers, REPLAYED_HEADER: "true"},
            )
            await _answer(scope, receive, send, replay)
            return
        await self._run(scope, body, send, outcome)

    async def _run(self, scope: Scope, body: bytes, send: Send, claim: Claim) -> None:
        assert self.store is not None
        status, response_headers, chunks = 0, Headers(), []

        async def replay_body() -> Message:
            return {"type": "http.request", "body": body, "more_body": False}

        async def capture(message: Message) -> None:
            nonlocal status, response_headers
            if message["type"] == "http.response.start":
                status = message["status"]
                response_headers = Headers(raw=message.get("headers", []))
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))
            await send(message)

        try:
            await self.app(scope, replay_body, capture)
        except BaseException:
            await self.store.fail(claim)
            raise
        if status >= 500 or status == 0:
            await self.store.fail(claim)
        elif status >= 400:
            await self.store.release(claim)
        else:
            stored = StoredResponse(
                status=status,
                body=b"".join(chunks),
                content_type=response_headers.get("content-type"),
                headers={h: response_headers[h] for h in _REPLAYED_HEADERS if h in response_headers},
            )
            try:
                await self.store.complete(claim, stored)
            except Exception:
                log.exception("could not store the answer of an idempotency key")


async def _subject(scope: Scope, headers: Headers) -> str | None:
    authenticator = getattr(getattr(scope.get("app"), "state", None), "authenticator", None)
    scheme, token = get_authorization_scheme_param(headers.get("authorization"))
    if authenticator is None or scheme.lower() != "bearer" or not token:
        return None
    try:
        principal = await authenticator.authenticate(token)
    except ApplicationError:
        return None
    return str(principal.subject)


async def _read_body(receive: Receive) -> bytes:
    parts = []
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            break
        parts.append(message.get("body", b""))
        if not message.get("more_body", False):
            break
    return b"".join(parts)


def _key_problem(scope: Scope, reason: str) -> Response:
    return problem(
        422,
        "validation",
        "Invalid request",
        f"{HEADER}: {reason}",
        errors=[{"field": HEADER, "reason": reason}],
        instance=scope["path"],
    )


async def _answer(scope: Scope, receive: Receive, send: Send, response: Response) -> None:
    await response(scope, receive, send)


HEADER_DOCUMENTATION: dict[str, Any] = {
    "name": HEADER,
    "in": "header",
    "required": False,
    "description": "Any unique string (a UUID): retrying with the same key and body replays the first "
    "answer instead of acting twice; the same key with another body is a 422. Kept 24 hours.",
    "schema": {"type": "string", "maxLength": 200, "pattern": KEY_PATTERN},
}


def document_idempotency_header(app: FastAPI) -> None:
    """Show the header on every `POST /v1/...` of the app's OpenAPI, where the middleware honours it."""
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is not None:  # built once, then cached by FastAPI
            return app.openapi_schema
        schema = build()
        for path, operations in schema.get("paths", {}).items():
            post = operations.get("post")
            if path.startswith("/v1/") and post is not None:
                post.setdefault("parameters", []).append(HEADER_DOCUMENTATION)
        return schema

    app.openapi = openapi  # type: ignore[method-assign]
