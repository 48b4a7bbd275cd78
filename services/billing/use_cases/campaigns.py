"""The yearly contribution campaign: create (computed draft), recompute, review, issue, correct.

Issuing is resumable and idempotent: the first click fixes the issue date and moves the campaign to
`issuing`; calls are then numbered and invoiced in batches, each batch one transaction that locks the
campaign row first. A crash loses at most the batch in flight (rolled back: no number consumed); the
next click (or a concurrent one, which waits for the lock) picks up the calls still without an invoice,
so nothing is issued twice and nobody is skipped. The transaction that finds nothing left marks the
campaign issued and publishes `billing.campaign.issued`, once.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import uuid
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from services.billing.adapters.campaigns import (
    CallRecord,
    CampaignRecord,
    CampaignRepository,
    summary_to_json,
    tariff_to_json,
)
from services.billing.adapters.contribution_read_models import ContributionReadModels
from services.billing.adapters.credit_notes import CreditNoteRepository
from services.billing.adapters.mapping import buyer_from_json
from services.billing.adapters.member_invoices import MemberInvoiceRepository
from services.billing.adapters.numbering import InvoiceNumbering
from services.billing.adapters.tables import members
from services.billing.domain.contribution import ContributionCall, TariffSchedule, compute_call
from services.billing.domain.contribution_campaign import (
    CampaignStatus,
    CampaignSummary,
    ensure_correctable,
    ensure_issuable,
    ensure_recomputable,
    summarize,
)
from services.billing.domain.contribution_invoice import contribution_invoice
from services.billing.domain.credit_note import CreditRequest, credit_note, credit_note_lines
from services.billing.domain.lines import Buyer
from services.billing.domain.member_invoice import MemberInvoice
from services.billing.domain.numbering import Series
from services.billing.use_cases.events import credit_note_issued, invoice_issued
from shared.contracts.billing import ContributionCallCorrected, ContributionCampaignIssued, InvoiceIssued
from shared.errors import BusinessRuleViolation, Conflict, NotFound
from shared.uow import UnitOfWork

# Invoices numbered per transaction: small enough that a crash loses little, large enough to be fast.
ISSUE_BATCH = 250

UnitOfWorkFactory = Callable[[], AbstractAsyncContextManager[UnitOfWork]]


@dataclass(frozen=True)
class CreateCampaign:
    year: int
    created_by: str


@dataclass(frozen=True)
class CorrectCall:
    campaign_id: str
    member_id: str
    reason: str
    issue_date: dt.date  # today in Europe/Paris, given by the caller


async def _computed(tariff: TariffSchedule, uow: UnitOfWork) -> list[ContributionCall]:
    bases = await ContributionReadModels(uow.session).bases(tariff)
    return [call for basis in bases if (call := compute_call(tariff, basis)) is not None]


def _audited(year: int, tariff: TariffSchedule, summary: CampaignSummary) -> dict[str, object]:
    return {
        "year": year,
        "status": CampaignStatus.DRAFT.value,
        "tariff": tariff_to_json(tariff),
        "summary": summary_to_json(summary),
    }


async def _campaign(
    repo: CampaignRepository, campaign_id: str, *, for_update: bool = False
) -> CampaignRecord:
    campaign = await repo.get(campaign_id, for_update=for_update)
    if campaign is None:
        raise NotFound(f"no contribution campaign {campaign_id}")
    return campaign


async def create_campaign(command: CreateCampaign, uow: UnitOfWork) -> CampaignRecord:
    """A draft campaign for the year, computed at once from the schedule the Comité voted for it.

    Refused: a year without a voted schedule (422), a second campaign for the same year (409).
    """
    if not 2000 <= command.year <= 2100:
        raise BusinessRuleViolation("the year must lie between 2000 and 2100", field="year")
    repo = CampaignRepository(uow.session)
    if await repo.year_taken(command.year):
        raise Conflict(f"a contribution campaign for {command.year} already exists", field="year")
    tariff = await ContributionReadModels(uow.session).schedule(command.year)
    if tariff is None:
        raise BusinessRuleViolation(
            f"the Comité has voted no contribution schedule for {command.year}: no campaign without tariffs",
            field="year",
        )
    calls = await _computed(tariff, uow)
    summary = summarize(calls)
    campaign_id = str(uuid.uuid4())
    await repo.add(
        id=campaign_id, year=command.year, tariff=tariff, summary=summary, created_by=command.created_by
    )
    await repo.replace_calls(campaign_id, tariff, calls, summary)
    uow.record(
        "billing.campaign.drafted", "campaign", campaign_id, after=_audited(command.year, tariff, summary)
    )
    try:
        await uow.commit()
    except IntegrityError as raced:  # two first clicks at once: the unique year lets one through
        raise Conflict(f"a contribution campaign for {command.year} already exists", field="year") from raced
    return await _campaign(repo, campaign_id)


async def recompute_campaign(campaign_id: str, uow: UnitOfWork) -> CampaignRecord:
    """Compute the draft again from what billing knows now (a late count, an amended schedule)."""
    repo = CampaignRepository(uow.session)
    campaign = await _campaign(repo, campaign_id, for_update=True)
    ensure_recomputable(campaign.status)
    tariff = await ContributionReadModels(uow.session).schedule(campaign.year)
    assert tariff is not None  # a campaign exists only for a year with a schedule, never withdrawn
    calls = await _computed(tariff, uow)
    summary = summarize(calls)
    await repo.replace_calls(campaign_id, tariff, calls, summary)
    uow.record(
        "billing.campaign.recomputed", "campaign", campaign_id, after=_audited(campaign.year, tariff, summary)
    )
    await uow.commit()
    return await _campaign(repo, campaign_id)


async def get_campaign(campaign_id: str, uow: UnitOfWork) -> CampaignRecord:
    return await _campaign(CampaignRepository(uow.session), campaign_id)


async def list_campaigns(uow: UnitOfWork) -> list[CampaignRecord]:
    return await CampaignRepository(uow.session).list()


async def list_calls(
    campaign_id: str, uow: UnitOfWork, *, limit: int, after: int, blocking_only: bool
) -> list[CallRecord]:
    """The calls in issue order after position `after` (the cursor), or only the blocking ones."""
    await _campaign(CampaignRepository(uow.session), campaign_id)
    return await CampaignRepository(uow.session).calls(
        campaign_id, limit=limit, after=after, blocking_only=blocking_only
    )


async def get_call(campaign_id: str, member_id: str, uow: UnitOfWork) -> CallRecord:
    repo = CampaignRepository(uow.session)
    await _campaign(repo, campaign_id)
    record = await repo.call(campaign_id, member_id)
    if record is None:
        raise NotFound(f"member {member_id} has no call in campaign {campaign_id}")
    return record


async def _buyers(uow: UnitOfWork, member_ids: list[str]) -> dict[str, Buyer]:
    rows = (await uow.session.execute(select(members).where(members.c.member_id.in_(member_ids)))).all()
    return {
        row.member_id: buyer_from_json(
            {
                "member_id": row.member_id,
                "name": row.name,
                "siren": row.siren,
                "siret": row.siret,
                "address": row.address,
                "service_code": row.service_code,
                "chorus_requirement": row.chorus_requirement,
            }
        )
        for row in rows
    }


def _issued_event(invoice: MemberInvoice) -> InvoiceIssued:
    # A contribution invoice rebills no PO: orders (which binds `billing.#`) must not look for one.
    return invoice_issued(invoice).model_copy(update={"po_number": None, "quote_number": None})


async def issue_campaign(
    campaign_id: str, issue_date: dt.date, unit_of_work: UnitOfWorkFactory, *, batch: int | None = None
) -> CampaignRecord:
    """Issue every call of a reviewed draft (or resume an interrupted issue): one invoice per member in
    the contributions series, numbered in the campaign's order. Refused while a call has a blocking
    flag, or when the Comité amended the schedule since the draft was computed."""
    batch = batch or ISSUE_BATCH
    async with unit_of_work() as uow:
        repo = CampaignRepository(uow.session)
        campaign = await _campaign(repo, campaign_id, for_update=True)
        if campaign.status is CampaignStatus.ISSUED:
            return campaign  # a second click: nothing more to do
        ensure_issuable(campaign.status, campaign.summary)
        if campaign.status is CampaignStatus.DRAFT:
            current = await ContributionReadModels(uow.session).schedule(campaign.year)
            if current is None or current.revision != campaign.tariff["revision"]:
                raise Conflict(
                    f"the Comité amended the {campaign.year} schedule since the draft was computed: "
                    "recompute and review it before issuing",
                    field="tariff",
                )
            await repo.start_issuing(campaign_id, issue_date)
            uow.record(
                "billing.campaign.issuing_started",
                "campaign",
                campaign_id,
                after={"status": CampaignStatus.ISSUING.value, "issue_date": issue_date.isoformat()},
            )
            await uow.commit()
    while await _issue_next_batch(campaign_id, unit_of_work, batch):
        pass
    async with unit_of_work() as uow:
        return await _campaign(CampaignRepository(uow.session), campaign_id)


async def _issue_next_batch(campaign_id: str, unit_of_work: UnitOfWorkFactory, batch: int) -> bool:
    """One transaction: the next calls without an invoice get one. False once there is nothing left."""
    async with unit_of_work() as uow:
        repo = CampaignRepository(uow.session)
        # The lock serialises concurrent issuers: each batch sees what the previous one committed.
        campaign = await _campaign(repo, campaign_id, for_update=True)
        if campaign.status is not CampaignStatus.ISSUING:
            return False
        assert campaign.issue_date is not None
        pending = await repo.pending_calls(campaign_id, batch)
        if not pending:
            await repo.mark_issued(campaign_id)
            uow.emit(
                ContributionCampaignIssued(
                    campaign_id=campaign_id,
                    year=campaign.year,
                    issue_date=campaign.issue_date,
                    invoices=campaign.issued_count,
                    total=campaign.summary.total,
                    subsidy_remainder=campaign.summary.subsidy_remainder,
                    tariff_revision=campaign.tariff["revision"],
                )
            )
            await uow.commit()
            return False
        buyers = await _buyers(uow, [record.member_id for record in pending])
        missing = [record.member_id for record in pending if record.member_id not in buyers]
        if missing:  # flagged at review; only a member deleted since then gets here
            raise Conflict(f"billing knows no identity for member(s) {', '.join(missing)}", field="calls")
        # The numbers come last, just before the inserts: nothing that can still refuse follows them.
        numbers = await InvoiceNumbering(uow.session).issue_many(
            Series.CONTRIBUTIONS, campaign.issue_date.year, len(pending)
        )
        invoices = [
            contribution_invoice(
                id=str(uuid.uuid4()),
                call=record.call,
                buyer=buyers[record.member_id],
                number=number,
                issue_date=campaign.issue_date,
            )
            for record, number in zip(pending, numbers, strict=True)
        ]
        await MemberInvoiceRepository(uow.session).add_many(invoices)
        await repo.record_invoices(
            campaign_id,
            [(invoice.id, record) for invoice, record in zip(invoices, pending, strict=True)],
        )
        for invoice in invoices:
            uow.emit(_issued_event(invoice))
        await uow.commit()
        return True


@dataclass(frozen=True)
class Correction:
    credit_note_id: str
    credit_note_number: str
    invoice: MemberInvoice
    call: ContributionCall
    previous_total: str


async def correct_call(command: CorrectCall, uow: UnitOfWork) -> Correction:
    """Recompute one member's call from what billing knows now (a late pupil count, a corrected option)
    and, when it differs, cancel its invoice with a full credit note and issue a new invoice (new
    number): an issued invoice is never edited. Refused when nothing changed."""
    if not command.reason.strip():
        raise BusinessRuleViolation("a correction states its reason", field="reason")
    repo = CampaignRepository(uow.session)
    campaign = await _campaign(repo, command.campaign_id, for_update=True)
    ensure_correctable(campaign.status)
    record = await repo.call(command.campaign_id, command.member_id, for_update=True)
    if record is None or record.invoice_id is None:
        raise NotFound(f"member {command.member_id} has no issued call in campaign {command.campaign_id}")
    tariff = await ContributionReadModels(uow.session).schedule(campaign.year)
    assert tariff is not None
    bases = await ContributionReadModels(uow.session).bases(tariff, only=[command.member_id])
    new_call = compute_call(tariff, bases[0]) if bases else None
    if new_call is None:
        raise BusinessRuleViolation(
            f"member {command.member_id} no longer adheres during {campaign.year}: issue a credit note",
            field="member_id",
        )
    if new_call.blocking:
        flags = ", ".join(flag.value for flag in new_call.flags if flag.blocking)
        raise BusinessRuleViolation(f"the recomputed call is blocked ({flags})", field="member_id")
    if call_figures(new_call) == call_figures(record.call):
        raise BusinessRuleViolation(
            "the recomputed call is the issued one: nothing to correct", field="member_id"
        )

    invoices = MemberInvoiceRepository(uow.session)
    old = await invoices.get(record.invoice_id, for_update=True)
    assert old is not None
    notes = CreditNoteRepository(uow.session)
    reason = f"Correction de l'appel de contribution {campaign.year} : {command.reason.strip()}"
    lines, origins = credit_note_lines(
        old, CreditRequest(reason=reason), await notes.already_credited(old.id)
    )
    numbering = InvoiceNumbering(uow.session)
    note = credit_note(
        id=str(uuid.uuid4()),
        number=await numbering.issue(Series.CREDIT_NOTES, command.issue_date.year),
        issue_date=command.issue_date,
        invoice=old,
        reason=reason,
        lines=lines,
        invoice_line_nos=origins,
    )
    await notes.add(note)
    new = contribution_invoice(
        id=str(uuid.uuid4()),
        call=new_call,
        # The member's identity today (it may have moved since the first invoice).
        buyer=(await _buyers(uow, [command.member_id])).get(command.member_id, old.buyer),
        number=await numbering.issue(Series.CONTRIBUTIONS, command.issue_date.year),
        issue_date=command.issue_date,
    )
    await invoices.add(new)
    revision = len(await repo.invoice_history(command.campaign_id, command.member_id)) + 1
    await repo.record_invoice(
        invoice_id=new.id,
        campaign_id=command.campaign_id,
        call=new_call,
        revision=revision,
        credit_note_id=note.id,
        reason=command.reason.strip(),
    )
    await repo.attach_invoice(command.campaign_id, new_call, new.id)
    uow.emit(credit_note_issued(note))
    uow.emit(_issued_event(new))
    uow.emit(
        ContributionCallCorrected(
            contribution_call_id=f"{command.campaign_id}/{command.member_id}",
            campaign_id=command.campaign_id,
            year=campaign.year,
            member_id=command.member_id,
            credit_note_id=note.id,
            credit_note_number=str(note.number),
            cancelled_invoice_id=old.id,
            cancelled_invoice_number=str(old.number),
            invoice_id=new.id,
            invoice_number=str(new.number),
            previous_total=record.call.total,
            total=new_call.total,
            reason=command.reason.strip(),
        )
    )
    await uow.commit()
    return Correction(note.id, str(note.number), new, new_call, format(record.call.total, "f"))


def call_figures(call: ContributionCall) -> ContributionCall:
    """The call without what does not change the amounts (flags that only warn)."""
    return dataclasses.replace(call, flags=())
