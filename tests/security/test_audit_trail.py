"""The audit trail: appended in the caller's transaction, chained, append-only, and verifiable."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError

from shared import audit
from shared.audit import AuditTables, append_audit, audit_tables, install_append_only, verify_chain
from shared.db import Database, new_metadata
from shared.security.principal import Principal, Role
from tests.security.databases import BACKENDS, database_url

FINANCE = Principal("kc:1234", "Jeanne Comptable", frozenset({Role.FINANCE}))


@dataclass
class AuditDb:
    url: str
    db: Database
    tables: AuditTables

    @property
    def is_pg(self) -> bool:
        return not self.db.is_sqlite

    async def append(self, n: int = 1, *, object_id: str = "Q-2025-0001") -> None:
        for i in range(n):
            async with self.db.sessionmaker() as session, session.begin():
                await append_audit(
                    session,
                    self.tables,
                    actor=FINANCE,
                    action="quote.accepted",
                    object_type="quote",
                    object_id=object_id,
                    before={"status": "sent", "total": Decimal("5617.30")},
                    after={"status": "accepted", "total": Decimal("5617.30"), "n": i},
                )

    async def verify(self) -> audit.ChainReport:
        async with self.db.sessionmaker() as session:
            return await verify_chain(session, self.tables)

    async def tamper(self, statement: str) -> None:
        """What an attacker with the database owner's rights does: bypass the triggers."""
        async with self.db.engine.begin() as conn:
            if self.is_pg:
                await conn.execute(text("ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only"))
                await conn.execute(text(statement))
                await conn.execute(text("ALTER TABLE audit_log ENABLE TRIGGER audit_log_append_only"))
            else:
                await conn.execute(text("DROP TRIGGER audit_log_no_update"))
                await conn.execute(text("DROP TRIGGER audit_log_no_delete"))
                await conn.execute(text(statement))


@pytest.fixture(params=BACKENDS)
async def trail(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[AuditDb]:
    async with database_url(request.param, tmp_path) as url:
        metadata = new_metadata()
        tables = audit_tables(metadata)
        db = Database(url)
        async with db.engine.begin() as conn:
            await conn.run_sync(metadata.create_all)
            await install_append_only(conn)
        yield AuditDb(url, db, tables)
        await db.dispose()


async def test_entries_are_chained_and_verify(trail: AuditDb) -> None:
    await trail.append(3)
    async with trail.db.sessionmaker() as session:
        history = await audit.object_history(session, trail.tables, "quote", "Q-2025-0001")
    assert [e.id for e in history] == [1, 2, 3]
    assert history[0].prev_hash == audit.GENESIS_HASH
    assert [e.prev_hash for e in history[1:]] == [e.hash for e in history[:-1]]
    assert history[0].actor_subject == "kc:1234" and history[0].actor_role == "finance"
    assert history[0].state_before == '{"status":"sent","total":"5617.30"}'
    report = await trail.verify()
    assert report.ok, report.problems
    assert (report.entries, report.last_id) == (3, 3)


async def test_a_rolled_back_change_leaves_no_entry_and_no_gap(trail: AuditDb) -> None:
    await trail.append(1)
    async with trail.db.sessionmaker() as session, session.begin():
        await append_audit(
            session, trail.tables, actor="system:billing", action="x", object_type="y", object_id=1
        )
        await session.rollback()
    await trail.append(1)
    report = await trail.verify()
    assert report.ok and report.last_id == 2


async def test_update_and_delete_are_refused_by_the_database(trail: AuditDb) -> None:
    await trail.append(2)
    refused = (DBAPIError, IntegrityError, OperationalError)
    for statement in (
        "UPDATE audit_log SET action = 'forged' WHERE id = 1",
        "DELETE FROM audit_log WHERE id = 2",
    ):
        with pytest.raises(refused, match="append-only"):
            async with trail.db.engine.begin() as conn:
                await conn.execute(text(statement))
    if trail.is_pg:
        with pytest.raises(refused, match="append-only"):
            async with trail.db.engine.begin() as conn:
                await conn.execute(text("TRUNCATE audit_log"))
    assert (await trail.verify()).ok


async def test_verification_catches_an_edited_row(trail: AuditDb) -> None:
    await trail.append(3)
    await trail.tamper("""UPDATE audit_log SET state_after = '{"status":"refused"}' WHERE id = 2""")
    report = await trail.verify()
    assert [(p.entry_id, p.kind) for p in report.problems] == [(2, "altered")]


async def test_verification_catches_an_edited_row_whose_hash_was_recomputed(trail: AuditDb) -> None:
    await trail.append(3)
    async with trail.db.sessionmaker() as session:
        entry = (await audit.object_history(session, trail.tables, "quote", "Q-2025-0001"))[1]
    forged = {**entry.__dict__, "actor_subject": "kc:someone-else"}
    new_hash = audit.entry_hash(entry.prev_hash, forged)
    await trail.tamper(
        f"UPDATE audit_log SET actor_subject = 'kc:someone-else', hash = '{new_hash}' WHERE id = 2"
    )
    report = await trail.verify()
    assert [(p.entry_id, p.kind) for p in report.problems] == [(3, "broken-link")]


async def test_verification_catches_a_deleted_row(trail: AuditDb) -> None:
    await trail.append(4)
    await trail.tamper("DELETE FROM audit_log WHERE id = 2")
    report = await trail.verify()
    assert [(p.entry_id, p.kind) for p in report.problems] == [(2, "missing"), (3, "broken-link")]


async def test_verification_catches_a_deleted_last_row(trail: AuditDb) -> None:
    await trail.append(3)
    await trail.tamper("DELETE FROM audit_log WHERE id = 3")
    report = await trail.verify()
    assert [(p.entry_id, p.kind) for p in report.problems] == [(3, "head-mismatch")]


async def test_the_verify_command(trail: AuditDb, capsys) -> None:
    await trail.append(2)
    assert await asyncio.to_thread(audit.main, ["verify", "--database-url", trail.url]) == 0
    assert "2 entries, last id 2, chain intact" in capsys.readouterr().out
    await trail.tamper("UPDATE audit_log SET object_id = 'Q-2025-9999' WHERE id = 1")
    assert await asyncio.to_thread(audit.main, ["verify", "--database-url", trail.url]) == 1
    assert "entry 1: altered" in capsys.readouterr().out


async def test_the_migration_helpers_speak_both_dialects() -> None:
    for dialect in ("postgresql", "sqlite"):
        assert len(audit.append_only_ddl(dialect)) >= 2
        assert audit.drop_append_only_ddl(dialect)
    with pytest.raises(ValueError):
        audit.append_only_ddl("mysql")


@pytest.mark.postgres
async def test_concurrent_appends_keep_one_gapless_chain(pg_url: str) -> None:
    metadata = new_metadata()
    tables = audit_tables(metadata)
    db = Database(pg_url, pool_size=20)
    try:
        async with db.engine.begin() as conn:
            await conn.run_sync(metadata.create_all)
            await install_append_only(conn)
        trail = AuditDb(pg_url, db, tables)

        async def one(i: int) -> None:
            async with db.sessionmaker() as session, session.begin():
                await append_audit(session, tables, actor=FINANCE, action="a", object_type="o", object_id=i)
                await asyncio.sleep(0.01)  # hold the head a little: the others must queue, not fork

        await asyncio.gather(*(one(i) for i in range(30)))
        report = await trail.verify()
        assert report.ok, report.problems
        assert (report.entries, report.last_id) == (30, 30)
    finally:
        await db.dispose()
