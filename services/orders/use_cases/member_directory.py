"""Keeping the member directory read model: facts from the members service's events.

These run inside the inbox's transaction (the consumer claims the message, runs them, then commits):
they never commit themselves. Events can arrive in any order, so an adhesion event for a member whose
registration has not arrived yet is stored as it is rather than retried: each event writes only its own
facts, the identity keeps the most recent by occurrence time, and eligibility reads them together.
The result is the same whatever the arrival order, and no message waits on another.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from services.orders.adapters.member_directory_repository import MemberDirectoryRepository
from services.orders.domain.member_directory import ChorusRequirement, MemberIdentity, MemberView
from shared.uow import UnitOfWork


async def record_member_identity(identity: MemberIdentity, as_of: dt.datetime, uow: UnitOfWork) -> None:
    await MemberDirectoryRepository(uow.session).save_identity(identity, as_of)


async def record_adhesion_approved(
    adhesion_id: str, member_id: str, effective_date: dt.date, uow: UnitOfWork
) -> None:
    await MemberDirectoryRepository(uow.session).save_adhesion_facts(
        adhesion_id, member_id, effective_date=effective_date
    )


async def record_adhesion_rejected(adhesion_id: str, member_id: str, uow: UnitOfWork) -> None:
    await MemberDirectoryRepository(uow.session).save_adhesion_facts(adhesion_id, member_id, rejected=True)


async def record_adhesion_withdrawn(
    adhesion_id: str, member_id: str, effective_date: dt.date, uow: UnitOfWork
) -> None:
    await MemberDirectoryRepository(uow.session).save_adhesion_facts(
        adhesion_id, member_id, withdrawal_date=effective_date
    )


@dataclass(frozen=True)
class QuoteEligibility:
    """What the read model knows of a member on a date: may it be quoted and accept a quote?"""

    member_id: str
    on: dt.date
    known: bool
    active: bool
    chorus_requirement: ChorusRequirement | None
    service_code: str | None


async def quote_eligibility(member_id: str, on: dt.date, uow: UnitOfWork) -> QuoteEligibility:
    view: MemberView = await MemberDirectoryRepository(uow.session).get(member_id)
    identity = view.identity
    return QuoteEligibility(
        member_id=member_id,
        on=on,
        known=view.known,
        active=view.active_on(on),
        chorus_requirement=identity.chorus_requirement if identity else None,
        service_code=identity.service_code if identity else None,
    )
