"""The yearly contribution campaign (campagne d'appels de contribution): its life and its totals.

draft (computed, recomputed at will, reviewed) → issuing (the first issue click fixed the issue date;
invoices are being numbered in batches) → issued. One campaign per year, only for a year whose tariff
schedule the Comité voted. A draft with a blocking flag (missing pupil count, unknown member) cannot
be issued: fix the data (the members service), recompute, review again.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum

from services.billing.domain.contribution import ContributionCall
from shared.errors import BusinessRuleViolation, Conflict

ZERO = Decimal("0.00")


class CampaignStatus(StrEnum):
    DRAFT = "draft"
    ISSUING = "issuing"
    ISSUED = "issued"


@dataclass(frozen=True)
class CampaignSummary:
    """What the Comité and the review see: counts and each component summed over the calls."""

    members: int = 0
    pupils: int = 0
    base_amount: Decimal = ZERO
    optional_amount: Decimal = ZERO
    yearly_part: Decimal = ZERO
    half_day_count: int = 0
    half_day_amount: Decimal = ZERO
    subsidy_applied: Decimal = ZERO
    subsidy_remainder: Decimal = ZERO
    total: Decimal = ZERO
    prorated_members: int = 0
    members_with_option: int = 0
    blocking_members: tuple[str, ...] = field(default_factory=tuple)
    flag_counts: tuple[tuple[str, int], ...] = field(default_factory=tuple)


def summarize(calls: Iterable[ContributionCall]) -> CampaignSummary:
    members = pupils = half_days = prorated = with_option = 0
    base = optional = yearly = half_day_amount = applied = remainder = total = ZERO
    blocking: list[str] = []
    flags: dict[str, int] = {}
    for call in calls:
        members += 1
        pupils += call.pupils
        base += call.base_amount
        optional += call.optional_amount
        yearly += call.yearly_part
        half_days += call.half_day_count
        half_day_amount += call.half_day_amount
        applied += call.subsidy_applied
        remainder += call.subsidy_remainder
        total += call.total
        prorated += call.prorated
        with_option += call.had_option
        if call.blocking:
            blocking.append(call.member_id)
        for flag in call.flags:
            flags[flag.value] = flags.get(flag.value, 0) + 1
    return CampaignSummary(
        members=members,
        pupils=pupils,
        base_amount=base,
        optional_amount=optional,
        yearly_part=yearly,
        half_day_count=half_days,
        half_day_amount=half_day_amount,
        subsidy_applied=applied,
        subsidy_remainder=remainder,
        total=total,
        prorated_members=prorated,
        members_with_option=with_option,
        blocking_members=tuple(sorted(blocking)),
        flag_counts=tuple(sorted(flags.items())),
    )


def ensure_recomputable(status: CampaignStatus) -> None:
    if status is not CampaignStatus.DRAFT:
        raise Conflict(
            f"the campaign is {status.value}: its calls can no longer be recomputed (correct a call instead)",
            field="status",
        )


def ensure_issuable(status: CampaignStatus, summary: CampaignSummary) -> None:
    """Only a draft without blocking flags starts issuing (a campaign already issuing resumes)."""
    if status is CampaignStatus.DRAFT and summary.blocking_members:
        shown = ", ".join(summary.blocking_members[:10])
        more = len(summary.blocking_members) - 10
        raise BusinessRuleViolation(
            f"{len(summary.blocking_members)} member(s) have blocking flags (missing pupil counts or "
            f"unknown identity): {shown}{f' and {more} more' if more > 0 else ''}; fix them and recompute",
            field="calls",
        )
    if status is CampaignStatus.DRAFT and summary.members == 0:
        raise BusinessRuleViolation("the campaign calls no member", field="calls")


def ensure_correctable(status: CampaignStatus) -> None:
    if status is not CampaignStatus.ISSUED:
        raise Conflict(
            f"the campaign is {status.value}: only the calls of an issued campaign are corrected",
            field="status",
        )
