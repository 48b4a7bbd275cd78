"""Request and response bodies of the contribution campaign API (amounts as decimal strings)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import BaseModel, Field

from services.billing.adapters.campaigns import CallRecord, CampaignRecord, call_to_json, summary_to_json
from services.billing.entrypoints.schemas import DecimalText, Strict


class CampaignIn(Strict):
    """A campaign for a year whose contribution schedule the Comité voted (one per year)."""

    year: int = Field(ge=2000, le=2100, examples=[2027])


class IssueCampaignIn(Strict):
    issue_date: dt.date | None = Field(
        default=None,
        description="Date of the invoices; today (Europe/Paris) by default. A resumed issue keeps the "
        "date the first click fixed.",
    )


class CorrectionIn(Strict):
    reason: str = Field(min_length=1, max_length=500, examples=["effectifs 2026-2027 rectifiés"])


class SummaryOut(BaseModel):
    members: int
    pupils: int
    base_amount: DecimalText
    optional_amount: DecimalText
    yearly_part: DecimalText
    half_day_count: int
    half_day_amount: DecimalText
    subsidy_applied: DecimalText
    subsidy_remainder: DecimalText
    total: DecimalText
    prorated_members: int
    members_with_option: int
    blocking_members: list[str] = Field(description="Members whose call blocks the issue.")
    flag_counts: dict[str, int]


class CampaignOut(BaseModel):
    id: str
    year: int
    status: str = Field(description="draft, issuing or issued.")
    tariff: dict[str, Any] = Field(description="The schedule (barème) the calls were computed with.")
    summary: SummaryOut
    issue_date: dt.date | None
    issued_count: int
    created_at: dt.datetime
    created_by: str
    computed_at: dt.datetime
    issued_at: dt.datetime | None


class CallOut(BaseModel):
    """One member's call and everything that explains it (the breakdown the invoice prints)."""

    member_id: str
    position: int
    invoice_id: str | None
    total: str
    pupils: int
    blocking: bool
    flags: list[str]
    breakdown: dict[str, Any] = Field(
        description="Schools and pupils, rates, days of prorata, half-days, subsidies, each amount."
    )


class CallPage(BaseModel):
    items: list[CallOut]
    next_cursor: int | None


class CorrectionOut(BaseModel):
    credit_note_id: str
    credit_note_number: str
    invoice_id: str
    invoice_number: str
    previous_total: str
    total: str


def campaign_out(campaign: CampaignRecord) -> CampaignOut:
    return CampaignOut(
        id=campaign.id,
        year=campaign.year,
        status=campaign.status.value,
        tariff=campaign.tariff,
        summary=SummaryOut(**summary_to_json(campaign.summary)),
        issue_date=campaign.issue_date,
        issued_count=campaign.issued_count,
        created_at=campaign.created_at,
        created_by=campaign.created_by,
        computed_at=campaign.computed_at,
        issued_at=campaign.issued_at,
    )


def call_out(record: CallRecord) -> CallOut:
    breakdown = call_to_json(record.call)
    return CallOut(
        member_id=record.member_id,
        position=record.position,
        invoice_id=record.invoice_id,
        total=breakdown["total"],
        pupils=record.call.pupils,
        blocking=record.call.blocking,
        flags=breakdown["flags"],
        breakdown=breakdown | {"prorated": record.call.prorated},
    )
