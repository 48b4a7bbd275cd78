"""Registering a member (adhérent) with its billing identity and Chorus Pro routing."""

from __future__ import annotations

import uuid
from dataclasses import asdict, dataclass

from services.members.adapters.repository import MemberRepository
from services.members.domain.member import Address, ChorusRequirement, Member, MemberKind
from shared.contracts.common import ChorusRequirement as ContractChorusRequirement
from shared.contracts.common import PostalAddress
from shared.contracts.members import MemberRegistered
from shared.errors import Conflict, NotFound
from shared.uow import UnitOfWork


@dataclass(frozen=True)
class RegisterMember:
    kind: MemberKind
    name: str
    siren: str
    siret: str
    address: Address
    service_code: str | None
    chorus_requirement: ChorusRequirement


def member_registered(member: Member) -> MemberRegistered:
    return MemberRegistered(
        member_id=member.id,
        kind=member.kind.value,
        name=member.name,
        siren=member.siren,
        siret=member.siret,
        address=PostalAddress(**asdict(member.address)),
        service_code=member.service_code,
        chorus_requirement=ContractChorusRequirement(member.chorus_requirement.value),
    )


async def register_member(command: RegisterMember, uow: UnitOfWork) -> Member:
    """A SIREN is registered once; the SIRET must belong to it (checked by the domain)."""
    member = Member(id=str(uuid.uuid4()), **asdict(command) | {"address": command.address})
    repository = MemberRepository(uow.session)
    if await repository.siren_taken(member.siren):
        raise Conflict(f"a member with SIREN {member.siren} is already registered", field="siren")
    await repository.add(member)
    uow.emit(member_registered(member))
    await uow.commit()
    return member


async def get_member(member_id: str, uow: UnitOfWork) -> Member:
    member = await MemberRepository(uow.session).get(member_id)
    if member is None:
        raise NotFound(f"no member {member_id}")
    return member
