"""Feeding billing the members service's events a contribution campaign needs, as members would."""

from __future__ import annotations

import datetime as dt
import itertools
import uuid
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import func, select

from services.billing.adapters.tables import messaging
from shared.contracts.common import PostalAddress
from shared.contracts.envelope import Envelope, Event
from shared.contracts.members import (
    AdhesionApproved,
    AdhesionOption,
    AdhesionOptionChanged,
    AdhesionWithdrawn,
    MemberRegistered,
    ProrataRule,
    PupilCountRecorded,
    SchoolAttached,
    SubsidyRecorded,
    SupportDelivered,
    TariffScheduleAdopted,
)
from tests.apps import RunningServices
from tests.billing.helpers import eventually, publish

_uai = itertools.count(1)
LUHN_SIRENS = ["200044618", "200041762", "245900410", "200093201", "215901234"]


def _uai_code() -> str:
    # UAI: 7 digits + a letter (billing does not check the key: members did)
    return f"059{next(_uai):04d}A"


async def feed(running: RunningServices, *events: Event) -> None:
    """Publish the events as the members service would, and wait until billing's inbox has them all."""
    envelopes = [Envelope.wrap(e, producer="members", correlation_id=str(uuid.uuid4())) for e in events]
    for envelope in envelopes:
        await publish(running, envelope)
    ids = [envelope.message_id for envelope in envelopes]
    runtime = running.runtimes["billing"]

    async def done() -> bool:
        async with runtime.db.engine.connect() as conn:
            seen = (
                await conn.execute(
                    select(func.count())
                    .select_from(messaging.inbox)
                    .where(messaging.inbox.c.message_id.in_(ids))
                )
            ).scalar_one()
        return seen == len(ids)

    await eventually(done, timeout=20)


def tariff_adopted(
    year: int = 2027, *, revision: int = 1, prorata: ProrataRule = ProrataRule.BY_DAYS
) -> Event:
    return TariffScheduleAdopted(
        tariff_id=f"tariff-{year}",
        year=year,
        revision=revision,
        base_per_pupil=Decimal("1.30"),
        optional_per_pupil=Decimal("0.30"),
        half_day_rate=Decimal("150.00"),
        pupil_count_school_year=f"{year - 1}-{year}",
        prorata_rule=prorata,
        deliberation_id="delib-tariff",
        deliberation_number=f"CS-{year - 1}-042",
        deliberation_date=dt.date(year - 1, 12, 10),
        notified_member_ids=[],
    )


@dataclass
class Member:
    """One member as members knows it: identity, adhesion, schools and their counts."""

    member_id: str
    name: str
    siren: str
    adhesion_id: str
    uais: list[str]

    def registered(self) -> Event:
        return MemberRegistered(
            member_id=self.member_id,
            kind="epci",
            name=self.name,
            siren=self.siren,
            siret=f"{self.siren}00019",
            address=PostalAddress(line1="746 rue Jean Perrin", postcode="59500", city="Douai"),
        )

    def approved(self, effective: dt.date, option: AdhesionOption = AdhesionOption.BASE) -> Event:
        return AdhesionApproved(
            adhesion_id=self.adhesion_id,
            member_id=self.member_id,
            effective_date=effective,
            option=option,
            decided_on=effective,
        )

    def withdrawn(self, effective: dt.date) -> Event:
        return AdhesionWithdrawn(
            adhesion_id=self.adhesion_id, member_id=self.member_id, effective_date=effective
        )

    def option_changed(self, effective: dt.date, option: AdhesionOption) -> Event:
        previous = (
            AdhesionOption.BASE if option is AdhesionOption.BASE_AND_FLAT else AdhesionOption.BASE_AND_FLAT
        )
        return AdhesionOptionChanged(
            adhesion_id=self.adhesion_id,
            member_id=self.member_id,
            previous_option=previous,
            option=option,
            effective_date=effective,
            deliberation_id="d",
            deliberation_number="D-OPT",
            deliberation_date=effective,
        )

    def school(self, uai: str | None = None, *, from_date: dt.date = dt.date(2020, 1, 1)) -> Event:
        uai = uai or _uai_code()
        self.uais.append(uai)
        return SchoolAttached(
            uai=uai, name=f"École {uai}", commune_insee="59178", member_id=self.member_id, from_date=from_date
        )

    def count(self, uai: str, pupils: int, *, school_year: str = "2026-2027", revision: int = 1) -> Event:
        return PupilCountRecorded(
            uai=uai,
            school_year=school_year,
            pupils=pupils,
            member_id=self.member_id,
            counted_on=dt.date(int(school_year[:4]), 9, 1),
            revision=revision,
        )

    def subsidy(self, amount: str, year: int = 2027) -> Event:
        return SubsidyRecorded(
            subsidy_id=str(uuid.uuid4()),
            member_id=self.member_id,
            year=year,
            amount=Decimal(amount),
            payer_name="Commune de Douai",
            deliberation_id="d",
            deliberation_number="D-SUB",
            deliberation_date=dt.date(year, 1, 15),
        )

    def half_days(self, n: int, delivered_on: dt.date = dt.date(2027, 3, 4)) -> Event:
        return SupportDelivered(
            support_request_id=str(uuid.uuid4()),
            member_id=self.member_id,
            service="formation des familles",
            level="specific",
            billable=True,
            half_days=n,
            requested_on=delivered_on - dt.timedelta(days=20),
            delivered_on=delivered_on,
        )


def new_member(name: str = "Communauté d'agglomération du Douaisis", siren: str = "200044618") -> Member:
    return Member(str(uuid.uuid4()), name, siren, str(uuid.uuid4()), [])


def adhering(
    member: Member,
    pupils: int | None,
    *,
    effective: dt.date = dt.date(2020, 1, 1),
    option: AdhesionOption = AdhesionOption.BASE,
) -> list[Event]:
    """Registered, adhering, one school, and (unless None) its count for 2026-2027."""
    school = member.school()
    events = [member.registered(), member.approved(effective, option), school]
    if pupils is not None:
        events.append(member.count(member.uais[-1], pupils))
    return events
