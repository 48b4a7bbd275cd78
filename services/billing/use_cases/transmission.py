"""Transmission of member invoices to Chorus Pro (dépôt) and what follows, whoever transmits: the
external connector through the connector API, or the built-in PISTE adapter (`chorus_polling`).

A transmitter claims one waiting invoice at a time: the transmission row is locked, so two connectors
claiming at once get it one after the other and the second is refused (409). The claim runs the
pre-transmission checks; a failing one blocks the invoice with its reason until staff fix it. A claim
is a lease: a transmitter that dies does not hold the invoice forever.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import uuid
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from services.billing.adapters.chorus_transmissions import TransmissionRepository
from services.billing.adapters.member_invoices import MemberInvoiceRepository
from services.billing.adapters.numbering import InvoiceNumbering
from services.billing.adapters.read_models import MemberDirectory
from services.billing.domain.chorus_checks import transmission_problems
from services.billing.domain.chorus_status import Routing, Stage, StatusReport, Transmission
from services.billing.domain.credit_note import CreditRequest
from services.billing.domain.due_dates import member_invoice_due_date
from services.billing.domain.member_invoice import MemberInvoice
from services.billing.use_cases.credit_notes import IssueCreditNote, credit_invoice
from services.billing.use_cases.events import invoice_issued
from services.billing.use_cases.transmission_events import effect_events, invoice_transmitted
from shared.db import utcnow
from shared.errors import BusinessRuleViolation, NotFound
from shared.uow import UnitOfWork


@dataclass(frozen=True)
class Claimed:
    transmission: Transmission
    routing: Routing


class Outcome(StrEnum):
    DEPOSITED = "deposited"
    COMPLETED = "completed"
    FAILED = "failed"


@dataclass(frozen=True)
class ReportOutcome:
    invoice_id: str
    claim_id: str
    outcome: Outcome
    actor: str
    flux_number: str | None = None
    at: dt.datetime | None = None
    chorus_invoice_id: str | None = None
    reason: str | None = None
    retry_after: dt.timedelta | None = None  # a failure: not offered again before this wait


async def _transmission(invoice_id: str, uow: UnitOfWork, *, for_update: bool = True) -> Transmission:
    found = await TransmissionRepository(uow.session).get(invoice_id, for_update=for_update)
    if found is None:
        raise NotFound(f"no invoice {invoice_id}")
    return found


async def _invoice(invoice_id: str, uow: UnitOfWork) -> MemberInvoice:
    invoice = await MemberInvoiceRepository(uow.session).get(invoice_id)
    if invoice is None:
        raise NotFound(f"no invoice {invoice_id}")
    return invoice


def routing_of(invoice: MemberInvoice, t: Transmission) -> Routing:
    """What is sent to Chorus: the invoice's routing, or staff's correction after A_RECYCLER."""
    return t.routing_override or Routing(
        invoice.buyer.siret, invoice.buyer.service_code, invoice.commitment_number
    )


def as_transmitted(invoice: MemberInvoice, routing: Routing) -> MemberInvoice:
    """The invoice as its Factur-X is deposited: same number and amounts, the routing actually sent."""
    buyer = dataclasses.replace(invoice.buyer, siret=routing.buyer_siret, service_code=routing.service_code)
    return dataclasses.replace(invoice, buyer=buyer, commitment_number=routing.commitment_number)


async def invoice_to_transmit(invoice_id: str, uow: UnitOfWork) -> MemberInvoice:
    invoice = await _invoice(invoice_id, uow)
    t = await _transmission(invoice_id, uow, for_update=False)
    return as_transmitted(invoice, routing_of(invoice, t))


async def waiting_invoices(uow: UnitOfWork, limit: int) -> list[dict[str, Any]]:
    return await TransmissionRepository(uow.session).waiting(utcnow(), limit)


async def claim_invoice(
    invoice_id: str, by: str, uow: UnitOfWork, *, seller_siret: str, lease: dt.timedelta
) -> Claimed:
    """Claim one waiting invoice for `by`, after the pre-transmission checks. Commits."""
    repository = TransmissionRepository(uow.session)
    t = await _transmission(invoice_id, uow)
    now = utcnow()
    t.claim(claim_id=str(uuid.uuid4()), by=by, now=now, lease=lease)
    invoice = await _invoice(invoice_id, uow)
    routing = routing_of(invoice, t)
    member = await MemberDirectory(uow.session).get(invoice.member_id)
    # The member's current setting wins over the PO's snapshot: it is what Chorus checks today.
    requirement = member["chorus_requirement"] if member else invoice.buyer.chorus_requirement
    problems = transmission_problems(
        seller_siret=seller_siret,
        buyer_siret=routing.buyer_siret,
        service_code=routing.service_code,
        commitment_number=routing.commitment_number,
        requirement=requirement,
    )
    if problems:
        t.block(problems)
        await repository.save(t)
        await repository.note(t.invoice_id, "blocked", t.blocked_reason, by)
        await uow.commit()
        raise BusinessRuleViolation(f"invoice {t.invoice_number} cannot be transmitted: {t.blocked_reason}")
    await repository.save(t)
    await repository.note(t.invoice_id, "claimed", f"{t.action.value}, attempt {t.attempts}", by)
    await uow.commit()
    return Claimed(t, routing)


async def record_outcome(command: ReportOutcome, uow: UnitOfWork) -> Transmission:
    """What the holder of a claim did: deposited (flow number), completed, or failed (back in the
    queue, the reason in the history). Commits."""
    repository = TransmissionRepository(uow.session)
    t = await _transmission(command.invoice_id, uow)
    t.check_claim(command.claim_id)
    if command.outcome is Outcome.DEPOSITED:
        if not command.flux_number:
            raise BusinessRuleViolation(
                "a deposit needs its flow number (numeroFluxDepot)", field="flux_number"
            )
        t.deposited(
            flux_number=command.flux_number,
            at=command.at or utcnow(),
            chorus_invoice_id=command.chorus_invoice_id,
        )
        await repository.note(t.invoice_id, "deposited", f"flux {command.flux_number}", command.actor)
        uow.emit(invoice_transmitted(t, command.actor))
    elif command.outcome is Outcome.COMPLETED:
        t.completed()
        await repository.mark_documents_sent(t.invoice_id)
        await repository.note(t.invoice_id, "completed", command.reason, command.actor)
    else:
        t.failed()
        await repository.note(t.invoice_id, "failed", command.reason or "no reason given", command.actor)
    retry_at = utcnow() + command.retry_after if command.retry_after else None
    await repository.save(t, next_poll_at=retry_at, polls=0)
    await uow.commit()
    return t


async def report_statuses(
    invoice_id: str,
    reports: list[StatusReport],
    actor: str,
    uow: UnitOfWork,
    *,
    chorus_invoice_id: str | None = None,
) -> tuple[Transmission, int]:
    """Apply Chorus status reports in the order given (duplicates and late arrivals harmless). Returns
    the transmission and how many reports were new. Does not commit."""
    repository = TransmissionRepository(uow.session)
    t = await _transmission(invoice_id, uow)
    if chorus_invoice_id and t.chorus_invoice_id is None:
        t.chorus_invoice_id = chorus_invoice_id
    new = 0
    for report in reports:
        known = len(t.reports)
        effects = t.apply(report)
        if len(t.reports) > known:
            new += 1
            await repository.add_report(t.invoice_id, report, actor)
        for event in effect_events(t, effects):
            uow.emit(event)
    await repository.save(t)
    return t, new


async def fix_routing(
    invoice_id: str, routing: Routing, reason: str, actor: str, uow: UnitOfWork
) -> Transmission:
    """Staff correct the routing after A_RECYCLER (or a failed check): the invoice waits to be sent again
    under the same number. Commits."""
    repository = TransmissionRepository(uow.session)
    t = await _transmission(invoice_id, uow)
    t.fix_routing(routing)
    detail = (
        f"{reason} (SIRET {routing.buyer_siret}, service {routing.service_code or '-'}, "
        f"engagement {routing.commitment_number or '-'})"
    )
    await repository.save(t)
    await repository.note(t.invoice_id, "routing_fixed", detail, actor)
    await uow.commit()
    return t


async def add_documents(
    invoice_id: str, documents: list[tuple[str, str, bytes]], comment: str, actor: str, uow: UnitOfWork
) -> Transmission:
    """Staff add the documents a suspended invoice (SUSPENDUE) lacks; a transmitter completes it. Commits."""
    repository = TransmissionRepository(uow.session)
    t = await _transmission(invoice_id, uow)
    t.documents_added()
    for filename, media_type, content in documents:
        await repository.add_document(t.invoice_id, filename, media_type, content, comment, actor)
    await repository.save(t)
    await repository.note(t.invoice_id, "documents_added", f"{len(documents)} document(s): {comment}", actor)
    await uow.commit()
    return t


async def replace_rejected(
    invoice_id: str, reason: str, issue_date: dt.date, actor: str, uow: UnitOfWork
) -> tuple[str, MemberInvoice]:
    """After REJETEE (final): a full credit note of what the invoice has left and a new invoice, new
    number, same lines, the corrected routing if staff gave one. One transaction. Returns the credit
    note's number and the new invoice."""
    repository = TransmissionRepository(uow.session)
    t = await _transmission(invoice_id, uow)
    if t.stage is not Stage.REJECTED:
        t.replace("")  # raises the Conflict naming the stage
    invoice = await _invoice(invoice_id, uow)
    note = await credit_invoice(
        IssueCreditNote(invoice_id, CreditRequest(reason=f"Rejetée par Chorus Pro : {reason}"), issue_date),
        uow,
    )
    number = await InvoiceNumbering(uow.session).issue(invoice.number.series, issue_date.year)
    due = member_invoice_due_date(issue_date)
    replacement = dataclasses.replace(
        as_transmitted(invoice, routing_of(invoice, t)),
        id=str(uuid.uuid4()),
        number=number,
        issue_date=issue_date,
        due_date=due.date,
        due_date_is_provisional=due.provisional,
        # The supplier invoice stays rebilled by the first invoice (one member invoice per supplier
        # invoice); the replacement points to it through the transmission row instead.
        supplier_invoice_id=None,
    )
    await MemberInvoiceRepository(uow.session).add(replacement)
    uow.emit(invoice_issued(replacement))
    t.replace(replacement.id)
    await repository.save(t)
    await repository.note(
        t.invoice_id, "replaced", f"credit note {note.number}, new invoice {replacement.number}", actor
    )
    successor = await repository.get(replacement.id)
    assert successor is not None
    await repository.save(successor, replaces=uuid.UUID(t.invoice_id))
    await uow.commit()
    return str(note.number), replacement


async def transmission_view(invoice_id: str, uow: UnitOfWork) -> tuple[Transmission, list[Any], list[Any]]:
    repository = TransmissionRepository(uow.session)
    t = await _transmission(invoice_id, uow, for_update=False)
    return t, await repository.history(invoice_id), await repository.exchanges(invoice_id)
