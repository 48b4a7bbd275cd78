"""SQL for the member directory read model. Every write is an idempotent, order-independent upsert."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services.orders.adapters.tables import directory_adhesions, member_directory
from services.orders.domain.member_directory import (
    AdhesionFacts,
    ChorusRequirement,
    MemberIdentity,
    MemberView,
    PostalAddress,
)
from shared.db import dialect_insert, utcnow


def _identity(row: Any) -> MemberIdentity:
    return MemberIdentity(
        member_id=row.member_id,
        kind=row.kind,
        name=row.name,
        siren=row.siren,
        siret=row.siret,
        address=PostalAddress(row.address_line1, row.postcode, row.city, row.address_line2, row.country_code),
        service_code=row.service_code,
        chorus_requirement=ChorusRequirement(row.chorus_requirement),
    )


class MemberDirectoryRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def save_identity(self, identity: MemberIdentity, as_of: dt.datetime) -> None:
        """Insert, or overwrite only when `as_of` is not older than what is stored (last writer by
        occurrence time, not by arrival time)."""
        address = identity.address
        values = {
            "kind": identity.kind,
            "name": identity.name,
            "siren": identity.siren,
            "siret": identity.siret,
            "address_line1": address.line1,
            "address_line2": address.line2,
            "postcode": address.postcode,
            "city": address.city,
            "country_code": address.country_code,
            "service_code": identity.service_code,
            "chorus_requirement": identity.chorus_requirement.value,
            "identity_as_of": as_of,
        }
        insert = dialect_insert(self.session)
        statement = insert(member_directory).values(member_id=identity.member_id, **values)
        await self.session.execute(
            statement.on_conflict_do_update(
                index_elements=["member_id"],
                set_={name: statement.excluded[name] for name in values},
                where=member_directory.c.identity_as_of <= statement.excluded.identity_as_of,
            )
        )

    async def save_adhesion_facts(
        self,
        adhesion_id: str,
        member_id: str,
        *,
        effective_date: dt.date | None = None,
        rejected: bool | None = None,
        withdrawal_date: dt.date | None = None,
    ) -> None:
        """Write only the facts this event knows; the others keep what another event wrote."""
        facts: dict[str, Any] = {
            "effective_date": effective_date,
            "rejected": rejected,
            "withdrawal_date": withdrawal_date,
        }
        given = {name: value for name, value in facts.items() if value is not None}
        insert = dialect_insert(self.session)
        statement = insert(directory_adhesions).values(
            adhesion_id=adhesion_id, member_id=member_id, updated_at=utcnow(), **({"rejected": False} | given)
        )
        await self.session.execute(
            statement.on_conflict_do_update(
                index_elements=["adhesion_id"],
                set_={
                    **{name: statement.excluded[name] for name in given},
                    "updated_at": statement.excluded.updated_at,
                },
            )
        )

    async def get(self, member_id: str) -> MemberView:
        row = (
            await self.session.execute(
                select(member_directory).where(member_directory.c.member_id == member_id)
            )
        ).first()
        adhesion_rows = (
            await self.session.execute(
                select(directory_adhesions).where(directory_adhesions.c.member_id == member_id)
            )
        ).all()
        return MemberView(
            member_id=member_id,
            identity=_identity(row) if row else None,
            adhesions=tuple(
                AdhesionFacts(
                    adhesion_id=a.adhesion_id,
                    effective_date=a.effective_date,
                    rejected=a.rejected,
                    withdrawal_date=a.withdrawal_date,
                )
                for a in adhesion_rows
            ),
        )
