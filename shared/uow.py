"""The unit of work: one database transaction, the events it emits, committed together or not at all.

Use cases receive it, add their rows through `session` and their events through `emit`; nothing is
written unless `commit()` is called, and the outbox rows are part of the same transaction. Code never
calls `session.commit()` itself.

Every event emitted is a state change, so the unit of work also appends it to the service's audit
trail (who: the request's principal, or the service itself in consumers and jobs; what: the event;
before/after: the object's previous recorded state and the event's payload), in the same transaction.
A change that emits no event is audited with `record()`.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from types import TracebackType
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from shared.audit import AuditTables, Change, append_changes, canonical_json, event_subject, last_states
from shared.context import causation_id_var, current_correlation_id
from shared.contracts.envelope import Envelope, Event
from shared.db import Database
from shared.messaging.outbox import write_outbox
from shared.messaging.tables import MessagingTables
from shared.security.principal import acting_principal
from shared.tracing import current_trace_headers


class UnitOfWork:
    def __init__(
        self,
        *,
        service: str,
        db: Database,
        tables: MessagingTables,
        on_commit: Callable[[], None] | None = None,
    ) -> None:
        self.service = service
        self._db = db
        self._tables = tables
        self._on_commit = on_commit
        self._envelopes: list[Envelope] = []
        self._headers: dict[uuid.UUID, dict[str, str]] = {}
        self._changes: list[Change] = []
        self._session: AsyncSession | None = None
        self.committed = False

    @property
    def session(self) -> AsyncSession:
        if self._session is None:
            raise RuntimeError("unit of work used outside its `async with` block")
        return self._session

    async def __aenter__(self) -> UnitOfWork:
        self._session = self._db.sessionmaker()
        await self._session.begin()
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        assert self._session is not None
        try:
            if not self.committed:
                await self._session.rollback()
        finally:
            await self._session.close()
            self._session = None

    def emit(self, event: Event) -> Envelope:
        """Queue an event; it reaches the outbox at commit, in the same transaction."""
        envelope = Envelope.wrap(
            event,
            producer=self.service,
            correlation_id=current_correlation_id(),
            causation_id=causation_id_var.get(),
        )
        self._envelopes.append(envelope)
        trace_headers = current_trace_headers()
        if trace_headers:  # the request's or the message's span: the consumer continues its trace
            self._headers[envelope.message_id] = trace_headers
        return envelope

    @property
    def emitted(self) -> list[Envelope]:
        return list(self._envelopes)

    def record(self, action: str, object_type: str, object_id: object, *, after: Any = None) -> None:
        """Audit a change that emits no event (a draft created, a catalogue price added...)."""
        self._changes.append(Change(action, object_type, str(object_id), after=after))

    async def commit(self) -> None:
        await write_outbox(self.session, self._tables, self._envelopes, self._headers)
        if self._tables.audit is not None:
            # Last before the commit: appending locks the chain head until the transaction ends.
            await self._audit(self._tables.audit)
        await self.session.commit()
        self.committed = True
        if self._envelopes and self._on_commit is not None:
            self._on_commit()
        self._envelopes = []
        self._headers = {}
        self._changes = []

    async def _audit(self, tables: AuditTables) -> None:
        changes = list(self._changes)
        for envelope in self._envelopes:
            object_type, field = event_subject(envelope.type)
            object_id = envelope.payload.get(field) or envelope.message_id
            changes.append(Change(envelope.type, object_type, str(object_id), after=envelope.payload))
        if not changes:
            return
        # An object's `before` is the state its latest entry left, or its previous change in this unit.
        states: dict[tuple[str, str], Any] = {
            key: json.loads(state)
            for key, state in (
                await last_states(self.session, tables, {(c.object_type, c.object_id) for c in changes})
            ).items()
        }
        entries = []
        for change in changes:
            key = (change.object_type, change.object_id)
            entries.append(Change(change.action, *key, before=states.get(key), after=change.after))
            states[key] = json.loads(canonical_json(change.after)) if change.after is not None else None
        await append_changes(
            self.session, tables, entries, actor=acting_principal.get() or f"system:{self.service}"
        )


UnitOfWorkFactory = Callable[[], UnitOfWork]
