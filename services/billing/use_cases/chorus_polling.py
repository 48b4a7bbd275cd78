"""The built-in PISTE adapter at work: deposit what waits, then follow each deposit's flow report and
status history with backoff. Calls to Chorus happen outside any transaction; each outcome, with every
exchange, is written in its own.

Never a double deposit: a second attempt first asks Chorus whether it already holds an invoice of that
number (a lost answer to the first deposit), and takes that one if so.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass, replace

from services.billing.adapters.chorus_transmissions import TransmissionRepository
from services.billing.domain.chorus_gateway import ChorusError, ChorusGateway, Exchange, backoff
from services.billing.domain.chorus_status import Action, Stage, StatusReport
from services.billing.domain.documents import Seller, invoice_document
from services.billing.use_cases.documents import DocumentFormat, render
from services.billing.use_cases.transmission import (
    Outcome,
    ReportOutcome,
    claim_invoice,
    invoice_to_transmit,
    record_outcome,
    report_statuses,
    waiting_invoices,
)
from shared.db import utcnow
from shared.errors import ApplicationError
from shared.uow import UnitOfWork

log = logging.getLogger(__name__)
ACTOR = "piste"


@dataclass(frozen=True)
class PistePolicy:
    lease: dt.timedelta = dt.timedelta(minutes=5)
    retry_base_s: float = 30.0
    retry_max_s: float = 3600.0
    poll_base_s: float = 300.0
    poll_max_s: float = 21600.0
    batch: int = 20


def _rows(exchanges: list[Exchange]) -> list[dict[str, object]]:
    return [
        {
            "at": e.at,
            "operation": e.operation,
            "http_status": e.http_status,
            "outcome": e.outcome,
            "duration_ms": e.duration_ms,
        }
        for e in exchanges
    ]


async def transmit_waiting(
    uow_factory: Callable[[], UnitOfWork], gateway: ChorusGateway, seller: Seller, policy: PistePolicy
) -> int:
    """One pass: claim and send each waiting invoice. Returns how many were attempted."""
    async with uow_factory() as uow:
        waiting = await waiting_invoices(uow, policy.batch)
    attempted = 0
    for row in waiting:
        invoice_id = str(row["id"])
        try:
            async with uow_factory() as uow:
                claimed = await claim_invoice(
                    invoice_id, ACTOR, uow, seller_siret=seller.siret, lease=policy.lease
                )
        except ApplicationError as refused:  # blocked by a check, or another transmitter holds it
            log.info("invoice %s not transmitted: %s", row["number"], refused.detail)
            continue
        attempted += 1
        t = claimed.transmission
        exchanges: list[Exchange] = []
        outcome = ReportOutcome(invoice_id, t.claim_id or "", Outcome.FAILED, ACTOR)
        try:
            if t.action is Action.COMPLETE:
                async with uow_factory() as uow:
                    documents = await TransmissionRepository(uow.session).unsent_documents(invoice_id)
                await gateway.complete(
                    t.chorus_invoice_id or "",
                    [(d.filename, d.content) for d in documents],
                    "; ".join(d.comment or "" for d in documents),
                    exchanges,
                )
                outcome = replace(outcome, outcome=Outcome.COMPLETED, reason="documents sent")
            else:
                found = await gateway.find_invoice(t.invoice_number, exchanges) if t.attempts > 1 else None
                if found is not None and t.flux_number is None:
                    outcome = replace(
                        outcome,
                        outcome=Outcome.DEPOSITED,
                        flux_number=found.flux_number or "recovered",
                        chorus_invoice_id=found.chorus_invoice_id,
                    )
                else:
                    async with uow_factory() as uow:
                        invoice = await invoice_to_transmit(invoice_id, uow)
                    content = render(invoice_document(invoice, seller), DocumentFormat.FACTURX).content
                    receipt = await gateway.deposit(f"{t.invoice_number}.pdf", content, exchanges)
                    outcome = replace(
                        outcome,
                        outcome=Outcome.DEPOSITED,
                        flux_number=receipt.flux_number,
                        at=receipt.deposited_at,
                    )
        except ChorusError as failure:
            wait = backoff(t.attempts, base_s=policy.retry_base_s, max_s=policy.retry_max_s)
            outcome = replace(outcome, reason=str(failure), retry_after=wait if failure.retryable else None)
            log.warning("transmission of %s failed (attempt %d): %s", t.invoice_number, t.attempts, failure)
        async with uow_factory() as uow:
            await TransmissionRepository(uow.session).record_exchanges(invoice_id, _rows(exchanges))
            await record_outcome(outcome, uow)
    return attempted


async def poll_deposited(
    uow_factory: Callable[[], UnitOfWork], gateway: ChorusGateway, policy: PistePolicy
) -> int:
    """One pass over the deposits whose next look is due: flow report, then status history."""
    async with uow_factory() as uow:
        due = await TransmissionRepository(uow.session).due_for_polling(utcnow(), policy.batch)
    for invoice_id in due:
        await _poll_one(invoice_id, uow_factory, gateway, policy)
    return len(due)


async def _poll_one(
    invoice_id: str, uow_factory: Callable[[], UnitOfWork], gateway: ChorusGateway, policy: PistePolicy
) -> None:
    async with uow_factory() as uow:
        repository = TransmissionRepository(uow.session)
        t = await repository.get(invoice_id)
        polls = await repository.polls(invoice_id)
    assert t is not None and t.flux_number is not None
    exchanges: list[Exchange] = []
    statuses: list[StatusReport] = []
    chorus_id, problem, rejected_flow = t.chorus_invoice_id, None, None
    try:
        if chorus_id is None:
            report = await gateway.flow_report(t.flux_number, exchanges)
            if report.rejected:
                rejected_flow = (
                    f"flow {t.flux_number} rejected at integration: {report.detail or report.state}"
                )
            elif report.integrated:
                chorus_id = report.chorus_invoice_id
                if chorus_id is None:
                    found = await gateway.find_invoice(t.invoice_number, exchanges)
                    chorus_id = found.chorus_invoice_id if found else None
        if chorus_id is not None:
            statuses = await gateway.status_history(chorus_id, exchanges)
    except ChorusError as failure:
        problem = str(failure)
    async with uow_factory() as uow:
        repository = TransmissionRepository(uow.session)
        await repository.record_exchanges(invoice_id, _rows(exchanges))
        new = 0
        if rejected_flow is not None:
            current = await repository.get(invoice_id, for_update=True)
            assert current is not None
            if current.stage is Stage.DEPOSITED:
                current.block([rejected_flow])
                await repository.save(current)
                await repository.note(invoice_id, "blocked", rejected_flow, ACTOR)
        elif problem is not None:
            await repository.note(invoice_id, "poll_failed", problem, ACTOR)
        else:
            try:
                _, new = await report_statuses(invoice_id, statuses, ACTOR, uow, chorus_invoice_id=chorus_id)
            except ApplicationError as impossible:
                await repository.note(invoice_id, "status_refused", impossible.detail, ACTOR)
        # Something new: look again soon; nothing new: wait longer each time, up to the cap.
        polls = 0 if new else polls + 1
        wait = backoff(max(polls, 1), base_s=policy.poll_base_s, max_s=policy.poll_max_s)
        await repository.set_poll(invoice_id, utcnow() + wait, polls)
        await uow.commit()
