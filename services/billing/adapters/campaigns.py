"""SQL of contribution campaigns, their calls and the breakdown behind each contribution invoice.

A call's breakdown is stored as JSON (amounts as decimal strings, dates ISO): the same figures the API
shows, the report exports and the invoice document prints.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import asdict, dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import bindparam, delete, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from services.billing.adapters.campaign_tables import (
    contribution_calls,
    contribution_campaigns,
    contribution_invoices,
)
from services.billing.adapters.tables import member_invoices, members
from services.billing.domain.contribution import (
    ContributionCall,
    Flag,
    HalfDaysDelivered,
    ProrataRule,
    SchoolPupils,
    SubsidyGranted,
    TariffSchedule,
)
from services.billing.domain.contribution_campaign import CampaignStatus, CampaignSummary
from shared.db import utcnow, uuid_or_none

_DECIMALS = (
    "base_per_pupil",
    "optional_per_pupil",
    "half_day_rate",
    "base_amount",
    "optional_amount",
    "yearly_part",
    "half_day_amount",
    "gross",
    "subsidies_total",
    "subsidy_applied",
    "subsidy_remainder",
    "total",
)
_DATES = ("deliberation_date", "period_start", "period_end")


def call_to_json(call: ContributionCall) -> dict[str, Any]:
    data = asdict(call)
    for key in _DECIMALS:
        data[key] = format(data[key], "f")
    for key in _DATES:
        data[key] = data[key].isoformat()
    data["prorata_rule"] = call.prorata_rule.value
    data["flags"] = [flag.value for flag in call.flags]
    data["schools"] = [
        {"uai": s.uai, "name": s.name, "pupils": s.pupils, "counted_on": s.counted_on.isoformat()}
        for s in call.schools
    ]
    data["half_days"] = [{**asdict(h), "delivered_on": h.delivered_on.isoformat()} for h in call.half_days]
    data["subsidies"] = [{**asdict(s), "amount": format(s.amount, "f")} for s in call.subsidies]
    return data


def call_from_json(data: dict[str, Any]) -> ContributionCall:
    values = dict(data)
    for key in _DECIMALS:
        values[key] = Decimal(values[key])
    for key in _DATES:
        values[key] = dt.date.fromisoformat(values[key])
    values["prorata_rule"] = ProrataRule(values["prorata_rule"])
    values["flags"] = tuple(Flag(flag) for flag in values["flags"])
    values["schools"] = tuple(
        SchoolPupils(s["uai"], s["name"], s["pupils"], dt.date.fromisoformat(s["counted_on"]))
        for s in values["schools"]
    )
    values["half_days"] = tuple(
        HalfDaysDelivered(
            h["support_request_id"], h["service"], h["half_days"], dt.date.fromisoformat(h["delivered_on"])
        )
        for h in values["half_days"]
    )
    values["subsidies"] = tuple(
        SubsidyGranted(s["subsidy_id"], Decimal(s["amount"]), s["payer_name"], s["deliberation_number"])
        for s in values["subsidies"]
    )
    return ContributionCall(**values)


def tariff_to_json(tariff: TariffSchedule) -> dict[str, Any]:
    data = asdict(tariff)
    for key in ("base_per_pupil", "optional_per_pupil", "half_day_rate"):
        data[key] = format(data[key], "f")
    data["prorata_rule"] = tariff.prorata_rule.value
    data["deliberation_date"] = tariff.deliberation_date.isoformat()
    return data


def summary_to_json(summary: CampaignSummary) -> dict[str, Any]:
    data = asdict(summary)
    for key, value in data.items():
        if isinstance(value, Decimal):
            data[key] = format(value, "f")
    data["blocking_members"] = list(summary.blocking_members)
    data["flag_counts"] = dict(summary.flag_counts)
    return data


def summary_from_json(data: dict[str, Any]) -> CampaignSummary:
    values = dict(data)
    for key, value in CampaignSummary().__dict__.items():
        if isinstance(value, Decimal):
            values[key] = Decimal(values[key])
    values["blocking_members"] = tuple(values["blocking_members"])
    values["flag_counts"] = tuple(sorted(values["flag_counts"].items()))
    return CampaignSummary(**values)


@dataclass(frozen=True)
class CampaignRecord:
    id: str
    year: int
    status: CampaignStatus
    tariff: dict[str, Any]
    summary: CampaignSummary
    issue_date: dt.date | None
    created_at: dt.datetime
    created_by: str
    computed_at: dt.datetime
    issued_at: dt.datetime | None
    issued_count: int = 0


@dataclass(frozen=True)
class CallRecord:
    member_id: str
    position: int
    call: ContributionCall
    invoice_id: str | None
    breakdown: dict[str, Any]  # the stored JSON of `call`, reused as is (no second serialisation)


class CampaignRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(
        self, *, id: str, year: int, tariff: TariffSchedule, summary: CampaignSummary, created_by: str
    ) -> None:
        now = utcnow()
        await self.session.execute(
            insert(contribution_campaigns).values(
                id=uuid.UUID(id),
                year=year,
                status=CampaignStatus.DRAFT.value,
                tariff=tariff_to_json(tariff),
                summary=summary_to_json(summary),
                created_at=now,
                created_by=created_by,
                computed_at=now,
            )
        )

    async def year_taken(self, year: int) -> bool:
        query = select(contribution_campaigns.c.id).where(contribution_campaigns.c.year == year)
        return (await self.session.execute(query)).first() is not None

    async def get(self, campaign_id: str, *, for_update: bool = False) -> CampaignRecord | None:
        key = uuid_or_none(campaign_id)
        if key is None:
            return None
        query = select(contribution_campaigns).where(contribution_campaigns.c.id == key)
        if for_update:
            query = query.with_for_update()
        row = (await self.session.execute(query)).first()
        if row is None:
            return None
        issued = (
            await self.session.execute(
                select(func.count())
                .select_from(contribution_calls)
                .where(contribution_calls.c.campaign_id == key, contribution_calls.c.invoice_id.is_not(None))
            )
        ).scalar_one()
        return CampaignRecord(
            id=str(row.id),
            year=row.year,
            status=CampaignStatus(row.status),
            tariff=row.tariff,
            summary=summary_from_json(row.summary),
            issue_date=row.issue_date,
            created_at=row.created_at,
            created_by=row.created_by,
            computed_at=row.computed_at,
            issued_at=row.issued_at,
            issued_count=int(issued),
        )

    async def list(self) -> list[CampaignRecord]:
        rows = (
            await self.session.execute(
                select(contribution_campaigns.c.id).order_by(contribution_campaigns.c.year)
            )
        ).all()
        return [record for row in rows if (record := await self.get(str(row.id))) is not None]

    async def replace_calls(
        self,
        campaign_id: str,
        tariff: TariffSchedule,
        calls: list[ContributionCall],
        summary: CampaignSummary,
    ) -> None:
        """A draft's calls, recomputed: the previous ones go (nothing was issued from a draft)."""
        key = uuid.UUID(campaign_id)
        await self.session.execute(delete(contribution_calls).where(contribution_calls.c.campaign_id == key))
        rows = [
            {
                "campaign_id": key,
                "member_id": call.member_id,
                "position": position,
                "pupils": call.pupils,
                "total": call.total,
                "blocking": call.blocking,
                "flags": [flag.value for flag in call.flags],
                "breakdown": call_to_json(call),
                "invoice_id": None,
            }
            for position, call in enumerate(calls, start=1)
        ]
        for start in range(0, len(rows), 5000):  # bounded statements, whatever the campaign's size
            await self.session.execute(insert(contribution_calls), rows[start : start + 5000])
        await self.session.execute(
            update(contribution_campaigns)
            .where(contribution_campaigns.c.id == key)
            .values(tariff=tariff_to_json(tariff), summary=summary_to_json(summary), computed_at=utcnow())
        )

    async def start_issuing(self, campaign_id: str, issue_date: dt.date) -> None:
        await self.session.execute(
            update(contribution_campaigns)
            .where(contribution_campaigns.c.id == uuid.UUID(campaign_id))
            .values(status=CampaignStatus.ISSUING.value, issue_date=issue_date)
        )

    async def mark_issued(self, campaign_id: str) -> None:
        await self.session.execute(
            update(contribution_campaigns)
            .where(contribution_campaigns.c.id == uuid.UUID(campaign_id))
            .values(status=CampaignStatus.ISSUED.value, issued_at=utcnow())
        )

    async def pending_calls(self, campaign_id: str, limit: int) -> list[CallRecord]:
        """The next calls without an invoice, in issue order (the numbers follow it)."""
        query = (
            select(contribution_calls)
            .where(
                contribution_calls.c.campaign_id == uuid.UUID(campaign_id),
                contribution_calls.c.invoice_id.is_(None),
            )
            .order_by(contribution_calls.c.position)
            .limit(limit)
        )
        return [self._call(row) for row in (await self.session.execute(query)).all()]

    async def calls(
        self, campaign_id: str, *, limit: int | None = None, after: int = 0, blocking_only: bool = False
    ) -> list[CallRecord]:
        key = uuid_or_none(campaign_id)
        if key is None:
            return []
        query = (
            select(contribution_calls)
            .where(contribution_calls.c.campaign_id == key, contribution_calls.c.position > after)
            .order_by(contribution_calls.c.position)
        )
        if blocking_only:
            query = query.where(contribution_calls.c.blocking.is_(True))
        if limit is not None:
            query = query.limit(limit)
        return [self._call(row) for row in (await self.session.execute(query)).all()]

    async def call(self, campaign_id: str, member_id: str, *, for_update: bool = False) -> CallRecord | None:
        key = uuid_or_none(campaign_id)
        if key is None:
            return None
        query = select(contribution_calls).where(
            contribution_calls.c.campaign_id == key, contribution_calls.c.member_id == member_id
        )
        if for_update:
            query = query.with_for_update()
        row = (await self.session.execute(query)).first()
        return self._call(row) if row else None

    async def attach_invoice(self, campaign_id: str, call: ContributionCall, invoice_id: str) -> None:
        """The call now stands for this invoice (its figures too: a correction changes them)."""
        await self.session.execute(
            update(contribution_calls)
            .where(
                contribution_calls.c.campaign_id == uuid.UUID(campaign_id),
                contribution_calls.c.member_id == call.member_id,
            )
            .values(
                invoice_id=uuid.UUID(invoice_id),
                pupils=call.pupils,
                total=call.total,
                blocking=call.blocking,
                flags=[flag.value for flag in call.flags],
                breakdown=call_to_json(call),
            )
        )

    async def record_invoice(
        self,
        *,
        invoice_id: str,
        campaign_id: str,
        call: ContributionCall,
        revision: int,
        credit_note_id: str | None = None,
        reason: str | None = None,
    ) -> None:
        await self.session.execute(
            insert(contribution_invoices).values(
                invoice_id=uuid.UUID(invoice_id),
                campaign_id=uuid.UUID(campaign_id),
                member_id=call.member_id,
                revision=revision,
                breakdown=call_to_json(call),
                credit_note_id=uuid.UUID(credit_note_id) if credit_note_id else None,
                reason=reason,
                created_at=utcnow(),
            )
        )

    async def record_invoices(self, campaign_id: str, issued: list[tuple[str, CallRecord]]) -> None:
        """A batch of first invoices (revision 1) and the calls they stand for, in bulk."""
        key, now = uuid.UUID(campaign_id), utcnow()
        await self.session.execute(
            insert(contribution_invoices),
            [
                {
                    "invoice_id": uuid.UUID(invoice_id),
                    "campaign_id": key,
                    "member_id": record.member_id,
                    "revision": 1,
                    "breakdown": record.breakdown,
                    "credit_note_id": None,
                    "reason": None,
                    "created_at": now,
                }
                for invoice_id, record in issued
            ],
        )
        await self.session.execute(
            update(contribution_calls)
            .where(
                contribution_calls.c.campaign_id == bindparam("b_campaign"),
                contribution_calls.c.member_id == bindparam("b_member"),
            )
            .values(invoice_id=bindparam("b_invoice")),
            [
                {"b_campaign": key, "b_member": record.member_id, "b_invoice": uuid.UUID(invoice_id)}
                for invoice_id, record in issued
            ],
        )

    async def invoice_history(self, campaign_id: str, member_id: str) -> list[Any]:
        key = uuid_or_none(campaign_id)
        query = (
            select(
                contribution_invoices.c.invoice_id,
                contribution_invoices.c.revision,
                contribution_invoices.c.credit_note_id,
                contribution_invoices.c.reason,
                contribution_invoices.c.created_at,
            )
            .where(contribution_invoices.c.campaign_id == key, contribution_invoices.c.member_id == member_id)
            .order_by(contribution_invoices.c.revision)
        )
        return list((await self.session.execute(query)).all())

    async def breakdown_of_invoice(self, invoice_id: str) -> ContributionCall | None:
        key = uuid_or_none(invoice_id)
        if key is None:
            return None
        row = (
            await self.session.execute(
                select(contribution_invoices.c.breakdown).where(contribution_invoices.c.invoice_id == key)
            )
        ).first()
        return call_from_json(row.breakdown) if row else None

    async def identities(self) -> dict[str, tuple[str, str]]:
        """(name, SIREN) of every member billing knows, for the report."""
        rows = (
            await self.session.execute(select(members.c.member_id, members.c.name, members.c.siren))
        ).all()
        return {row.member_id: (row.name, row.siren) for row in rows}

    async def invoice_numbers(self, campaign_id: str) -> dict[str, str]:
        """The number of the invoice standing for each issued call, by member."""
        query = (
            select(contribution_calls.c.member_id, member_invoices.c.number)
            .join(member_invoices, member_invoices.c.id == contribution_calls.c.invoice_id)
            .where(contribution_calls.c.campaign_id == uuid.UUID(campaign_id))
        )
        return {row.member_id: row.number for row in (await self.session.execute(query)).all()}

    @staticmethod
    def _call(row: Any) -> CallRecord:
        return CallRecord(
            member_id=row.member_id,
            position=row.position,
            call=call_from_json(row.breakdown),
            invoice_id=str(row.invoice_id) if row.invoice_id else None,
            breakdown=row.breakdown,
        )
