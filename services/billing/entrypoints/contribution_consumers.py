"""Handlers of the members service's events the yearly contribution depends on (queue `billing.members`).

Each runs in the inbox's transaction and never commits.
"""

from __future__ import annotations

from services.billing.domain.contribution import (
    HalfDaysDelivered,
    ProrataRule,
    SubsidyGranted,
    TariffSchedule,
)
from services.billing.use_cases import contribution_read_models as read_models
from shared.contracts.envelope import Envelope
from shared.contracts.members import (
    AdhesionApproved,
    AdhesionOptionChanged,
    AdhesionWithdrawn,
    PupilCountRecorded,
    SchoolAttached,
    SubsidyRecorded,
    SupportDelivered,
    TariffScheduleAdopted,
)
from shared.uow import UnitOfWork


async def on_adhesion_approved(event: AdhesionApproved, envelope: Envelope, uow: UnitOfWork) -> None:
    await read_models.record_adhesion_approved(
        event.adhesion_id, event.member_id, event.effective_date, event.option.value, uow
    )


async def on_adhesion_withdrawn(event: AdhesionWithdrawn, envelope: Envelope, uow: UnitOfWork) -> None:
    await read_models.record_adhesion_withdrawn(event.adhesion_id, event.member_id, event.effective_date, uow)


async def on_adhesion_option_changed(
    event: AdhesionOptionChanged, envelope: Envelope, uow: UnitOfWork
) -> None:
    await read_models.record_option_change(event.adhesion_id, event.effective_date, event.option.value, uow)


async def on_school_attached(event: SchoolAttached, envelope: Envelope, uow: UnitOfWork) -> None:
    await read_models.record_school_attachment(event.uai, event.from_date, event.member_id, event.name, uow)


async def on_pupil_count_recorded(event: PupilCountRecorded, envelope: Envelope, uow: UnitOfWork) -> None:
    await read_models.record_pupil_count(
        uai=event.uai,
        school_year=event.school_year,
        pupils=event.pupils,
        member_id=event.member_id,
        counted_on=event.counted_on,
        revision=event.revision,
        uow=uow,
    )


async def on_tariff_adopted(event: TariffScheduleAdopted, envelope: Envelope, uow: UnitOfWork) -> None:
    schedule = TariffSchedule(
        year=event.year,
        revision=event.revision,
        base_per_pupil=event.base_per_pupil,
        optional_per_pupil=event.optional_per_pupil,
        half_day_rate=event.half_day_rate,
        pupil_count_school_year=event.pupil_count_school_year,
        prorata_rule=ProrataRule(event.prorata_rule.value),
        deliberation_number=event.deliberation_number,
        deliberation_date=event.deliberation_date,
    )
    await read_models.record_tariff(schedule, event.tariff_id, uow)


async def on_subsidy_recorded(event: SubsidyRecorded, envelope: Envelope, uow: UnitOfWork) -> None:
    subsidy = SubsidyGranted(event.subsidy_id, event.amount, event.payer_name, event.deliberation_number)
    await read_models.record_subsidy(event.member_id, event.year, subsidy, uow)


async def on_support_delivered(event: SupportDelivered, envelope: Envelope, uow: UnitOfWork) -> None:
    delivered = HalfDaysDelivered(
        event.support_request_id, event.service, event.half_days, event.delivered_on
    )
    await read_models.record_support(event.member_id, event.billable, delivered, uow)


HANDLERS = {
    AdhesionApproved.TYPE: on_adhesion_approved,
    AdhesionWithdrawn.TYPE: on_adhesion_withdrawn,
    AdhesionOptionChanged.TYPE: on_adhesion_option_changed,
    SchoolAttached.TYPE: on_school_attached,
    PupilCountRecorded.TYPE: on_pupil_count_recorded,
    TariffScheduleAdopted.TYPE: on_tariff_adopted,
    SubsidyRecorded.TYPE: on_subsidy_recorded,
    SupportDelivered.TYPE: on_support_delivered,
}
