"""SQL of the read models the contribution depends on, fed by the members service's events.

Every write is idempotent (a redelivery changes nothing) and safe out of order: a withdrawal may
precede its approval, a count or schedule revision older than the stored one is ignored.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Collection
from decimal import Decimal
from typing import Any

from sqlalchemy import and_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.billing.adapters.campaign_tables import (
    contribution_adhesions,
    contribution_option_changes,
    contribution_pupil_counts,
    contribution_school_attachments,
    contribution_subsidies,
    contribution_support,
    contribution_tariffs,
)
from services.billing.adapters.tables import members
from services.billing.domain.contribution import (
    AdhesionOption,
    AdhesionPeriod,
    HalfDaysDelivered,
    MemberBasis,
    ProrataRule,
    SchoolPupils,
    SubsidyGranted,
    TariffSchedule,
)
from shared.db import dialect_insert


class ContributionReadModels:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session
        self.insert = dialect_insert(session)

    # --- writes (consumers) ---------------------------------------------------------------------------

    async def adhesion_approved(
        self, adhesion_id: str, member_id: str, effective_date: dt.date, option: str
    ) -> None:
        values = {"approved": True, "effective_date": effective_date, "option": option}
        await self.session.execute(
            self.insert(contribution_adhesions)
            .values(adhesion_id=adhesion_id, member_id=member_id, **values)
            .on_conflict_do_update(index_elements=["adhesion_id"], set_=values)
        )

    async def adhesion_withdrawn(self, adhesion_id: str, member_id: str, withdrawal_date: dt.date) -> None:
        await self.session.execute(
            self.insert(contribution_adhesions)
            .values(
                adhesion_id=adhesion_id, member_id=member_id, approved=False, withdrawal_date=withdrawal_date
            )
            .on_conflict_do_update(index_elements=["adhesion_id"], set_={"withdrawal_date": withdrawal_date})
        )

    async def option_changed(self, adhesion_id: str, effective_date: dt.date, option: str) -> None:
        await self.session.execute(
            self.insert(contribution_option_changes)
            .values(adhesion_id=adhesion_id, effective_date=effective_date, option=option)
            .on_conflict_do_nothing()
        )

    async def school_attached(self, uai: str, from_date: dt.date, member_id: str, name: str) -> None:
        await self.session.execute(
            self.insert(contribution_school_attachments)
            .values(uai=uai, from_date=from_date, member_id=member_id, name=name)
            .on_conflict_do_nothing()
        )

    async def pupil_count(
        self, uai: str, school_year: str, pupils: int, member_id: str, counted_on: dt.date, revision: int
    ) -> None:
        values = {"pupils": pupils, "member_id": member_id, "counted_on": counted_on, "revision": revision}
        upsert = self.insert(contribution_pupil_counts).values(uai=uai, school_year=school_year, **values)
        await self.session.execute(
            upsert.on_conflict_do_update(
                index_elements=["uai", "school_year"],
                set_=values,
                where=contribution_pupil_counts.c.revision < revision,
            )
        )

    async def tariff(self, schedule: TariffSchedule, tariff_id: str) -> None:
        values: dict[str, Any] = {
            "tariff_id": tariff_id,
            "revision": schedule.revision,
            "base_per_pupil": schedule.base_per_pupil,
            "optional_per_pupil": schedule.optional_per_pupil,
            "half_day_rate": schedule.half_day_rate,
            "pupil_count_school_year": schedule.pupil_count_school_year,
            "prorata_rule": schedule.prorata_rule.value,
            "deliberation_number": schedule.deliberation_number,
            "deliberation_date": schedule.deliberation_date,
        }
        await self.session.execute(
            self.insert(contribution_tariffs)
            .values(year=schedule.year, **values)
            .on_conflict_do_update(
                index_elements=["year"],
                set_=values,
                where=contribution_tariffs.c.revision < schedule.revision,
            )
        )

    async def subsidy(self, member_id: str, year: int, subsidy: SubsidyGranted) -> None:
        await self.session.execute(
            self.insert(contribution_subsidies)
            .values(
                subsidy_id=subsidy.subsidy_id,
                member_id=member_id,
                year=year,
                amount=subsidy.amount,
                payer_name=subsidy.payer_name,
                deliberation_number=subsidy.deliberation_number,
            )
            .on_conflict_do_nothing()
        )

    async def support(self, member_id: str, billable: bool, delivered: HalfDaysDelivered) -> None:
        await self.session.execute(
            self.insert(contribution_support)
            .values(
                support_request_id=delivered.support_request_id,
                member_id=member_id,
                service=delivered.service,
                billable=billable,
                half_days=delivered.half_days,
                delivered_on=delivered.delivered_on,
            )
            .on_conflict_do_nothing()
        )

    # --- reads (campaigns) ----------------------------------------------------------------------------

    async def schedule(self, year: int) -> TariffSchedule | None:
        row = (
            await self.session.execute(
                select(contribution_tariffs).where(contribution_tariffs.c.year == year)
            )
        ).first()
        if row is None:
            return None
        return TariffSchedule(
            year=row.year,
            revision=row.revision,
            base_per_pupil=Decimal(row.base_per_pupil),
            optional_per_pupil=Decimal(row.optional_per_pupil),
            half_day_rate=Decimal(row.half_day_rate),
            pupil_count_school_year=row.pupil_count_school_year,
            prorata_rule=ProrataRule(row.prorata_rule),
            deliberation_number=row.deliberation_number,
            deliberation_date=row.deliberation_date,
        )

    async def bases(self, tariff: TariffSchedule, only: Collection[str] | None = None) -> list[MemberBasis]:
        """What each member adhering during the tariff's year is called on (all of them, or `only`)."""
        year = tariff.year
        first, last = dt.date(year, 1, 1), dt.date(year, 12, 31)
        query = select(contribution_adhesions).where(
            contribution_adhesions.c.approved.is_(True),
            contribution_adhesions.c.effective_date <= last,
            or_(
                contribution_adhesions.c.withdrawal_date.is_(None),
                contribution_adhesions.c.withdrawal_date > first,
            ),
        )
        if only is not None:
            query = query.where(contribution_adhesions.c.member_id.in_(list(only)))
        adhesion_rows = (await self.session.execute(query)).all()
        if not adhesion_rows:
            return []
        wanted = {row.member_id for row in adhesion_rows}
        changes: dict[str, list[tuple[dt.date, AdhesionOption]]] = defaultdict(list)
        for row in (await self.session.execute(select(contribution_option_changes))).all():
            changes[row.adhesion_id].append((row.effective_date, AdhesionOption(row.option)))
        adhesions: dict[str, list[AdhesionPeriod]] = defaultdict(list)
        for row in adhesion_rows:
            adhesions[row.member_id].append(
                AdhesionPeriod(
                    adhesion_id=row.adhesion_id,
                    effective_date=row.effective_date,
                    option=AdhesionOption(row.option),
                    withdrawal_date=row.withdrawal_date,
                    option_changes=tuple(sorted(changes.get(row.adhesion_id, ()))),
                )
            )
        schools, uncounted = await self._schools(tariff, wanted)
        subsidies: dict[str, list[SubsidyGranted]] = defaultdict(list)
        for row in (
            await self.session.execute(
                select(contribution_subsidies).where(contribution_subsidies.c.year == year)
            )
        ).all():
            if row.member_id in wanted:
                subsidies[row.member_id].append(
                    SubsidyGranted(
                        row.subsidy_id, Decimal(row.amount), row.payer_name, row.deliberation_number
                    )
                )
        half_days: dict[str, list[HalfDaysDelivered]] = defaultdict(list)
        for row in (
            await self.session.execute(
                select(contribution_support).where(
                    and_(
                        contribution_support.c.billable.is_(True),
                        contribution_support.c.delivered_on >= first,
                        contribution_support.c.delivered_on <= last,
                    )
                )
            )
        ).all():
            if row.member_id in wanted and row.half_days:
                half_days[row.member_id].append(
                    HalfDaysDelivered(row.support_request_id, row.service, row.half_days, row.delivered_on)
                )
        known = {row.member_id for row in (await self.session.execute(select(members.c.member_id))).all()}
        return [
            MemberBasis(
                member_id=member_id,
                adhesions=tuple(sorted(adhesions[member_id], key=lambda a: a.effective_date)),
                schools=tuple(schools.get(member_id, ())),
                schools_without_count=tuple(sorted(uncounted.get(member_id, ()))),
                subsidies=tuple(subsidies.get(member_id, ())),
                half_days=tuple(half_days.get(member_id, ())),
                identity_known=member_id in known,
            )
            for member_id in sorted(wanted)
        ]

    async def _schools(
        self, tariff: TariffSchedule, wanted: set[str]
    ) -> tuple[dict[str, list[SchoolPupils]], dict[str, list[str]]]:
        """Counted schools per member (the member the school had on the count's date), and the schools
        a member had on the reference date that have no count for the school year."""
        history: dict[str, list[Any]] = defaultdict(list)
        for row in (
            await self.session.execute(
                select(contribution_school_attachments).order_by(
                    contribution_school_attachments.c.uai, contribution_school_attachments.c.from_date
                )
            )
        ).all():
            history[row.uai].append(row)

        def owner_on(uai: str, day: dt.date) -> Any:
            found = None
            for attachment in history.get(uai, ()):
                if attachment.from_date <= day:
                    found = attachment
            return found

        counted: dict[str, list[SchoolPupils]] = defaultdict(list)
        counted_uais: set[str] = set()
        for row in (
            await self.session.execute(
                select(contribution_pupil_counts).where(
                    contribution_pupil_counts.c.school_year == tariff.pupil_count_school_year
                )
            )
        ).all():
            counted_uais.add(row.uai)
            # The attachment history decides; the member the count named stands in when billing has not
            # received the school's attachment (the members service computed it the same way).
            attachment = owner_on(row.uai, row.counted_on)
            owner = attachment.member_id if attachment is not None else row.member_id
            if owner in wanted:
                name = attachment.name if attachment is not None else ""
                counted[owner].append(SchoolPupils(row.uai, name, row.pupils, row.counted_on))
        uncounted: dict[str, list[str]] = defaultdict(list)
        for uai in history:
            if uai in counted_uais:
                continue
            attachment = owner_on(uai, tariff.reference_date)
            if attachment is not None and attachment.member_id in wanted:
                uncounted[attachment.member_id].append(uai)
        return counted, uncounted
