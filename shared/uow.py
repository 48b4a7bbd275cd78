"""The unit of work: one database transaction, the events it emits, committed together or not at all.

Use cases receive it, add their rows through `session` and their events through `emit`; nothing is
written unless `commit()` is called, and the outbox rows are part of the same transaction. Code never
calls `session.commit()` itself.
"""

from __future__ import annotations

from collections.abc import Callable
from types import TracebackType

from sqlalchemy.ext.asyncio import AsyncSession

from shared.context import causation_id_var, current_correlation_id
from shared.contracts.envelope import Envelope, Event
from shared.db import Database
from shared.messaging.outbox import write_outbox
from shared.messaging.tables import MessagingTables


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
        return envelope

    @property
    def emitted(self) -> list[Envelope]:
        return list(self._envelopes)

    async def commit(self) -> None:
        await write_outbox(self.session, self._tables, self._envelopes)
        await self.session.commit()
        self.committed = True
        if self._envelopes and self._on_commit is not None:
            self._on_commit()
        self._envelopes = []


UnitOfWorkFactory = Callable[[], UnitOfWork]
