"""The audit trail: every state change appended, never updated or deleted, each entry chained to the
previous one by a SHA-256 hash so that an edited or removed entry is detectable.

    hash = sha256(prev_hash + canonical JSON of the entry)        (the first entry's prev_hash: 64 zeros)

Ordering under concurrency: the chain head is one row (`<table>_head`). `append_audit` first bumps
its sequence with `UPDATE … RETURNING`, which takes the row's write lock until the caller's
transaction ends; a concurrent appender waits there and then reads the new head (PostgreSQL re-reads
the updated row under READ COMMITTED; SQLite has one writer anyway). So entries get gapless ids in
commit order, and a rolled-back transaction leaves neither an entry nor a gap. The cost: audited
transactions of one service serialise on that row between their audit write and their commit, so
append the audit entry last in the unit of work.

Tamper resistance: triggers refuse UPDATE, DELETE (and TRUNCATE on PostgreSQL) on the entries;
`verify_chain` recomputes every hash, checks ids are gapless and the head matches the last entry.
A superuser can still rewrite the whole tail consistently; anchoring `chain_head()` elsewhere from
time to time (a log, a ticket) bounds that.

    python -m shared.audit verify --database-url postgresql+asyncpg://…/ent_billing
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import datetime as dt
import enum
import hashlib
import json
import sys
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy import BigInteger, Column, Index, Integer, MetaData, String, Table, Text, select, text, update
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from shared.context import current_correlation_id
from shared.db import Database, UTCDateTime, dialect_insert, new_metadata, utcnow
from shared.security.principal import Principal

GENESIS_HASH = "0" * 64
DEFAULT_TABLE = "audit_log"
HASHED_FIELDS = (
    "id",
    "occurred_at",
    "actor_subject",
    "actor_role",
    "action",
    "object_type",
    "object_id",
    "state_before",
    "state_after",
    "correlation_id",
)


@dataclass(frozen=True)
class AuditTables:
    log: Table
    head: Table


def audit_tables(metadata: MetaData, *, name: str = DEFAULT_TABLE) -> AuditTables:
    """Add the audit entries and their chain head to a service's metadata (migrated with it)."""
    log = Table(
        name,
        metadata,
        # Assigned from the chain head (gapless), not by the database.
        Column("id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=False),
        Column("occurred_at", UTCDateTime, nullable=False),
        Column("actor_subject", String(200), nullable=False),
        Column("actor_role", String(100), nullable=False),
        Column("action", String(100), nullable=False),
        Column("object_type", String(100), nullable=False),
        Column("object_id", String(100), nullable=False),
        # Canonical JSON text, exactly what was hashed (a JSON column could re-order or re-format it).
        Column("state_before", Text, nullable=True),
        Column("state_after", Text, nullable=True),
        Column("correlation_id", String(100), nullable=True),
        Column("prev_hash", String(64), nullable=False),
        Column("hash", String(64), nullable=False, unique=True),
    )
    Index(f"ix_{name}_object", log.c.object_type, log.c.object_id, log.c.id)
    head = Table(
        f"{name}_head",
        metadata,
        Column("id", Integer, primary_key=True, autoincrement=False),  # always 1
        Column("last_id", BigInteger().with_variant(Integer, "sqlite"), nullable=False),
        Column("last_hash", String(64), nullable=False),
    )
    return AuditTables(log=log, head=head)


def canonical_json(value: Any) -> str:
    """Sorted keys, no spaces, UTF-8; decimals, dates, UUIDs and enums as strings."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=_plain)


def _plain(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return dataclasses.asdict(value)
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, set | frozenset | tuple):
        return sorted(value) if isinstance(value, set | frozenset) else list(value)
    raise TypeError(f"{type(value).__name__} is not JSON-serialisable in an audit entry")


def _instant(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).isoformat(timespec="microseconds")


def entry_hash(prev_hash: str, entry: dict[str, Any]) -> str:
    document = {name: entry[name] for name in HASHED_FIELDS}
    document["occurred_at"] = _instant(document["occurred_at"])
    return hashlib.sha256((prev_hash + canonical_json(document)).encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class AuditEntry:
    id: int
    occurred_at: dt.datetime
    actor_subject: str
    actor_role: str
    action: str
    object_type: str
    object_id: str
    state_before: str | None
    state_after: str | None
    correlation_id: str | None
    prev_hash: str
    hash: str


@dataclass(frozen=True)
class Change:
    """One state change to append: what, on which object, the states before and after."""

    action: str
    object_type: str
    object_id: str
    before: Any = None
    after: Any = None


async def append_audit(
    session: AsyncSession,
    tables: AuditTables,
    *,
    actor: Principal | str,
    action: str,
    object_type: str,
    object_id: object,
    before: Any = None,
    after: Any = None,
    correlation_id: str | None = None,
) -> AuditEntry:
    """Append one entry in the caller's transaction (committed, or rolled back, with the change).

    `actor` is the principal, or a system name (`"system:billing"`) for changes made by a consumer.
    """
    change = Change(action, object_type, str(object_id), before, after)
    [entry] = await append_changes(session, tables, [change], actor=actor, correlation_id=correlation_id)
    return entry


async def append_changes(
    session: AsyncSession,
    tables: AuditTables,
    changes: Sequence[Change],
    *,
    actor: Principal | str,
    correlation_id: str | None = None,
) -> list[AuditEntry]:
    """Append the entries of one transaction together: one bump of the chain head reserves their ids,
    one multi-row insert writes them, one update moves the head (a campaign issuing thousands of
    invoices in a transaction pays three statements, not four per invoice)."""
    if not changes:
        return []
    head = tables.head
    bump = (
        update(head)
        .where(head.c.id == 1)
        .values(last_id=head.c.last_id + len(changes))
        .returning(head.c.last_id, head.c.last_hash)
    )
    row = (await session.execute(bump)).first()
    if row is None:  # the first entry ever: create the head, then take its lock the same way
        insert = dialect_insert(session)
        await session.execute(
            insert(head).values(id=1, last_id=0, last_hash=GENESIS_HASH).on_conflict_do_nothing()
        )
        row = (await session.execute(bump)).one()
    next_id, prev_hash = int(row[0]) - len(changes) + 1, str(row[1])
    subject = actor.subject if isinstance(actor, Principal) else actor
    role = actor.role_label if isinstance(actor, Principal) else "system"
    correlation = correlation_id or current_correlation_id()
    entries: list[dict[str, Any]] = []
    for offset, change in enumerate(changes):
        entry: dict[str, Any] = {
            "id": next_id + offset,
            # Taken once the head is locked, so times follow the chain's order.
            "occurred_at": utcnow(),
            "actor_subject": subject,
            "actor_role": role,
            "action": change.action,
            "object_type": change.object_type,
            "object_id": str(change.object_id),
            "state_before": None if change.before is None else canonical_json(change.before),
            "state_after": None if change.after is None else canonical_json(change.after),
            "correlation_id": correlation,
        }
        entry["hash"] = entry_hash(prev_hash, entry)
        entry["prev_hash"] = prev_hash
        prev_hash = entry["hash"]
        entries.append(entry)
    await session.execute(tables.log.insert(), entries)
    await session.execute(update(head).where(head.c.id == 1).values(last_hash=prev_hash))
    return [AuditEntry(**entry) for entry in entries]


async def object_history(
    session: AsyncSession, tables: AuditTables, object_type: str, object_id: object, *, limit: int = 200
) -> list[AuditEntry]:
    """An object's entries, oldest first (what the staff history API answers)."""
    log = tables.log
    rows = await session.execute(
        select(log)
        .where(log.c.object_type == object_type, log.c.object_id == str(object_id))
        .order_by(log.c.id)
        .limit(limit)
    )
    return [AuditEntry(**row._mapping) for row in rows]


async def last_states(
    session: AsyncSession, tables: AuditTables, objects: Iterable[tuple[str, str]]
) -> dict[tuple[str, str], str]:
    """Each object's state after its latest entry (canonical JSON): the `before` of its next one.
    Objects never audited are absent."""
    log = tables.log
    wanted = set(objects)
    found: dict[tuple[str, str], tuple[int, str]] = {}
    ids = sorted({object_id for _, object_id in wanted})
    for start in range(0, len(ids), 1000):  # bounded statements, whatever the transaction holds
        rows = await session.execute(
            select(log.c.object_type, log.c.object_id, log.c.id, log.c.state_after).where(
                log.c.object_id.in_(ids[start : start + 1000])
            )
        )
        for object_type, object_id, entry_id, state in rows:
            key = (object_type, object_id)
            if key in wanted and state is not None and entry_id > found.get(key, (0, ""))[0]:
                found[key] = (entry_id, state)
    return {key: state for key, (_, state) in found.items()}


# The object an event changes, where it is not `<segment>_id` of `<service>.<segment>.<what>`: the
# history of a purchase order is read by its number, a school by its UAI, and so on.
_EVENT_SUBJECTS: dict[str, tuple[str, str]] = {
    "purchase_order": ("purchase_order", "po_number"),
    "service": ("purchase_order", "po_number"),  # orders.service.attested: service done on a PO
    "school": ("school", "uai"),
    "pupil_count": ("school", "uai"),
    "conditions": ("deliberation", "deliberation_id"),
    "support": ("support_request", "support_request_id"),
    "supplier_payment": ("supplier_invoice", "supplier_invoice_id"),
    "contribution_call": ("campaign", "campaign_id"),
}


def event_subject(routing_key: str) -> tuple[str, str]:
    """(object type, payload field holding its id) of the object an event changes."""
    segment = routing_key.split(".")[1]
    return _EVENT_SUBJECTS.get(segment, (segment, f"{segment}_id"))


async def chain_head(session: AsyncSession, tables: AuditTables) -> tuple[int, str]:
    """(last id, last hash): worth copying somewhere else from time to time, as an anchor."""
    row = (await session.execute(select(tables.head.c.last_id, tables.head.c.last_hash))).first()
    return (0, GENESIS_HASH) if row is None else (int(row[0]), str(row[1]))


# --- Append-only enforcement ------------------------------------------------------------------------


def append_only_ddl(dialect: str, table: str = DEFAULT_TABLE) -> list[str]:
    """Statements creating the triggers that refuse UPDATE and DELETE on the entries.

    In a migration: `for statement in append_only_ddl(op.get_bind().dialect.name): op.execute(statement)`.
    On SQLite, a later batch migration that copies the table drops its triggers: re-run this after it.
    """
    if dialect == "postgresql":
        function = f"{table}_refuse_change"
        return [
            f"""CREATE OR REPLACE FUNCTION {function}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '{table} is append-only: % refused', TG_OP USING ERRCODE = 'insufficient_privilege';
END $$""",
            f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
            f"FOR EACH ROW EXECUTE FUNCTION {function}()",
            f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
            f"FOR EACH STATEMENT EXECUTE FUNCTION {function}()",
        ]
    if dialect == "sqlite":
        return [
            f"CREATE TRIGGER {table}_no_{verb.lower()} BEFORE {verb} ON {table} "
            f"BEGIN SELECT RAISE(ABORT, '{table} is append-only: {verb} refused'); END"
            for verb in ("UPDATE", "DELETE")
        ]
    raise ValueError(f"unsupported database {dialect}")


def drop_append_only_ddl(dialect: str, table: str = DEFAULT_TABLE) -> list[str]:
    """The migration's downgrade."""
    if dialect == "postgresql":
        return [
            f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}",
            f"DROP TRIGGER IF EXISTS {table}_no_truncate ON {table}",
            f"DROP FUNCTION IF EXISTS {table}_refuse_change()",
        ]
    if dialect == "sqlite":
        return [f"DROP TRIGGER IF EXISTS {table}_no_{verb}" for verb in ("update", "delete")]
    raise ValueError(f"unsupported database {dialect}")


async def install_append_only(connection: AsyncConnection, table: str = DEFAULT_TABLE) -> None:
    """For databases built with `metadata.create_all` (tests) rather than migrations."""
    for statement in append_only_ddl(connection.dialect.name, table):
        await connection.execute(text(statement))


# --- Verification -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ChainProblem:
    entry_id: int | None
    kind: str  # missing | altered | broken-link | head-mismatch
    detail: str


@dataclass
class ChainReport:
    entries: int = 0
    last_id: int = 0
    last_hash: str = GENESIS_HASH
    problems: list[ChainProblem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def summary(self) -> str:
        state = "intact" if self.ok else f"{len(self.problems)} problem(s)"
        return f"{self.entries} entries, last id {self.last_id}, chain {state}"


async def verify_chain(session: AsyncSession, tables: AuditTables, *, batch_size: int = 1000) -> ChainReport:
    """Walk the chain in id order: gapless ids, each link, each hash, and the head at the end."""
    log = tables.log
    report = ChainReport()
    expected_prev, expected_id = GENESIS_HASH, 1
    while True:
        rows = (
            await session.execute(
                select(log).where(log.c.id >= expected_id).order_by(log.c.id).limit(batch_size)
            )
        ).all()
        for row in rows:
            entry = dict(row._mapping)
            if entry["id"] != expected_id:
                report.problems.append(
                    ChainProblem(
                        expected_id, "missing", f"entries {expected_id}..{entry['id'] - 1} are missing"
                    )
                )
            if entry["prev_hash"] != expected_prev:
                report.problems.append(
                    ChainProblem(
                        entry["id"], "broken-link", "prev_hash differs from the previous entry's hash"
                    )
                )
            if entry_hash(entry["prev_hash"], entry) != entry["hash"]:
                report.problems.append(
                    ChainProblem(entry["id"], "altered", "content does not match its hash")
                )
            report.entries += 1
            expected_prev, expected_id = entry["hash"], entry["id"] + 1
            report.last_id, report.last_hash = entry["id"], entry["hash"]
        if len(rows) < batch_size:
            break
    head_id, head_hash = await chain_head(session, tables)
    if (head_id, head_hash) != (report.last_id, report.last_hash):
        report.problems.append(
            ChainProblem(
                head_id or None,
                "head-mismatch",
                f"the head names entry {head_id} but the chain ends at {report.last_id}"
                if head_id != report.last_id
                else "the head's hash differs from the last entry's",
            )
        )
    return report


async def verify_database(url: str, *, table: str = DEFAULT_TABLE) -> ChainReport:
    tables = audit_tables(new_metadata(), name=table)
    database = Database(url)
    try:
        async with database.sessionmaker() as session:
            return await verify_chain(session, tables)
    finally:
        await database.dispose()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m shared.audit", description="Audit trail tools.")
    commands = parser.add_subparsers(dest="command", required=True)
    verify = commands.add_parser("verify", help="check the hash chain of a service's audit trail")
    verify.add_argument(
        "--database-url", required=True, help="SQLAlchemy async URL of the service's database"
    )
    verify.add_argument("--table", default=DEFAULT_TABLE)
    args = parser.parse_args(argv)
    try:
        report = asyncio.run(verify_database(args.database_url, table=args.table))
    except DBAPIError as exc:
        print(f"cannot read the audit trail: {exc.orig}", file=sys.stderr)
        return 2
    for problem in report.problems:
        print(f"entry {problem.entry_id}: {problem.kind}: {problem.detail}")
    print(report.summary())
    return 0 if report.ok else 1


if __name__ == "__main__":
    sys.exit(main())
