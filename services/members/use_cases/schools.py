"""Schools (UAI), their transfers between members, and pupil counts — one by one or from a CSV file."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from services.members.adapters.repository import MemberRepository
from services.members.adapters.schools import PupilCountRepository, SchoolRepository
from services.members.domain.csv_import import ImportReport, check_rows, parse_count, split_rows
from services.members.domain.deliberation import Assembly
from services.members.domain.identifiers import validate_uai
from services.members.domain.school import Attachment, PupilCount, School, SchoolYear
from services.members.use_cases.deliberations import required_deliberation
from shared.contracts.members import PupilCountRecorded, SchoolAttached
from shared.errors import BusinessRuleViolation, Conflict, NotFound
from shared.uow import UnitOfWork

PUPIL_COUNT_COLUMNS = ("UAI", "school year", "pupils")


@dataclass(frozen=True)
class RegisterSchool:
    uai: str
    name: str
    commune_insee: str
    member_id: str
    attached_from: dt.date


@dataclass(frozen=True)
class TransferSchool:
    uai: str
    member_id: str
    effective_date: dt.date
    deliberation_id: str | None = None


@dataclass(frozen=True)
class RecordPupilCount:
    uai: str
    school_year: str
    pupils: int
    counted_on: dt.date | None = None


async def _require_member(member_id: str, uow: UnitOfWork) -> None:
    if not await MemberRepository(uow.session).exists(member_id):
        raise NotFound(f"no member {member_id}", field="member_id")


def _attached(school: School, attachment: Attachment, previous: str | None) -> SchoolAttached:
    return SchoolAttached(
        uai=school.uai,
        name=school.name,
        commune_insee=school.commune_insee,
        member_id=attachment.member_id,
        from_date=attachment.from_date,
        previous_member_id=previous,
    )


async def register_school(command: RegisterSchool, uow: UnitOfWork) -> School:
    school = School(command.uai, command.name, command.commune_insee)
    await _require_member(command.member_id, uow)
    repository = SchoolRepository(uow.session)
    if await repository.get(school.uai) is not None:
        raise Conflict(f"school {school.uai} is already registered", field="uai")
    attachment = school.attach(command.member_id, command.attached_from)
    await repository.add(school)
    uow.emit(_attached(school, attachment, None))
    await uow.commit()
    return school


async def transfer_school(command: TransferSchool, uow: UnitOfWork) -> School:
    """The school belongs to the new member from `effective_date`; the history keeps the former one."""
    repository = SchoolRepository(uow.session)
    school = await repository.get(validate_uai(command.uai), for_update=True)
    if school is None:
        raise NotFound(f"no school {command.uai}", field="uai")
    await _require_member(command.member_id, uow)
    if command.deliberation_id:
        await required_deliberation(command.deliberation_id, uow, (Assembly.MEMBER, Assembly.COMMITTEE))
    previous = school.current.member_id if school.current else None
    attachment = school.attach(command.member_id, command.effective_date, command.deliberation_id)
    await repository.save_transfer(school, attachment)
    uow.emit(_attached(school, attachment, previous))
    await uow.commit()
    return school


async def get_school(uai: str, uow: UnitOfWork) -> School:
    school = await SchoolRepository(uow.session).get(uai.strip().upper())
    if school is None:
        raise NotFound(f"no school {uai}")
    return school


async def _save_count(count: PupilCount, source: str, uow: UnitOfWork) -> int:
    revision = await PupilCountRepository(uow.session).save(count, source)
    uow.emit(
        PupilCountRecorded(
            uai=count.uai,
            school_year=str(count.school_year),
            pupils=count.pupils,
            member_id=count.member_id,
            counted_on=count.counted_on,
            revision=revision,
        )
    )
    return revision


async def record_pupil_count(command: RecordPupilCount, uow: UnitOfWork) -> tuple[PupilCount, int]:
    """A later count of the same school and year replaces the earlier one (its revision goes up)."""
    school_year = SchoolYear.parse(command.school_year)
    school = await SchoolRepository(uow.session).get(validate_uai(command.uai))
    if school is None:
        raise NotFound(f"no school {command.uai}", field="uai")
    count = PupilCount.of(school, school_year, command.pupils, command.counted_on)
    revision = await _save_count(count, "api", uow)
    await uow.commit()
    return count, revision


async def import_pupil_counts(
    text: str, uow: UnitOfWork, *, dry_run: bool = False
) -> ImportReport[PupilCount]:
    """CSV `UAI;school year;pupils`, counted at the rentrée (1 September) of the school year.

    Every line is checked and reported; if any line is refused nothing is imported (all or nothing),
    and a school and year given twice in one file is refused on its second line.
    """
    rows = split_rows(text, PUPIL_COUNT_COLUMNS, header_marker="uai")
    uais = []
    for _, cells in rows:
        try:
            uais.append(validate_uai(cells[0]))
        except (BusinessRuleViolation, IndexError):
            continue
    known = await SchoolRepository(uow.session).get_many(uais)
    seen: set[tuple[str, str]] = set()

    def check(cells: list[str]) -> PupilCount:
        uai = validate_uai(cells[0])
        school = known.get(uai)
        if school is None:
            raise NotFound(f"no school {uai} is registered", field="uai")
        school_year = SchoolYear.parse(cells[1])
        if (uai, str(school_year)) in seen:
            raise Conflict(f"{uai} {school_year} appears twice in the file", field="uai")
        count = PupilCount.of(school, school_year, parse_count(cells[2], "pupils"), None)
        seen.add((uai, str(school_year)))
        return count

    report = check_rows(rows, PUPIL_COUNT_COLUMNS, check)
    if report.complete and not dry_run:
        for count in report.accepted:
            await _save_count(count, "csv", uow)
        await uow.commit()
    return report


async def pupil_counts(
    uow: UnitOfWork,
    *,
    uai: str | None,
    member_id: str | None,
    school_year: str | None,
    limit: int,
    offset: int,
) -> list[dict[str, object]]:
    if school_year:
        school_year = str(SchoolYear.parse(school_year))
    return await PupilCountRepository(uow.session).list(
        uai=uai.strip().upper() if uai else None,
        member_id=member_id,
        school_year=school_year,
        limit=limit,
        offset=offset,
    )
