"""Registering a member (adhérent) with its billing identity and Chorus Pro routing; updating it with
its history kept."""

from __future__ import annotations

import uuid
from dataclasses import asdict, dataclass, field
from typing import Any

from services.members.adapters.repository import MemberRepository
from services.members.domain.member import Address, ChorusRequirement, Contact, Member, MemberKind
from shared.contracts.common import ChorusRequirement as ContractChorusRequirement
from shared.contracts.common import PostalAddress
from shared.contracts.members import MemberContact, MemberRegistered, MemberUpdated
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
    contacts: list[Contact] = field(default_factory=list)


@dataclass(frozen=True)
class UpdateMember:
    """Only the fields given change; the others keep their value."""

    member_id: str
    changes: dict[str, Any]


def _identity(member: Member) -> dict[str, Any]:
    return {
        "member_id": member.id,
        "kind": member.kind.value,
        "name": member.name,
        "siren": member.siren,
        "siret": member.siret,
        "address": PostalAddress(**asdict(member.address)),
        "service_code": member.service_code,
        "chorus_requirement": ContractChorusRequirement(member.chorus_requirement.value),
        "contacts": [MemberContact(**asdict(c)) for c in member.contacts],
        "version": member.version,
    }


def member_registered(member: Member) -> MemberRegistered:
    return MemberRegistered(**_identity(member))


async def register_member(command: RegisterMember, uow: UnitOfWork) -> Member:
    """A SIREN is registered once; the SIRET must belong to it (checked by the domain)."""
    member = Member(
        id=str(uuid.uuid4()),
        **asdict(command) | {"address": command.address, "contacts": list(command.contacts)},
    )
    repository = MemberRepository(uow.session)
    if await repository.siren_taken(member.siren):
        raise Conflict(f"a member with SIREN {member.siren} is already registered", field="siren")
    await repository.add(member)
    uow.emit(member_registered(member))
    await uow.commit()
    return member


async def update_member(command: UpdateMember, uow: UnitOfWork) -> Member:
    """A new version of the member; `members.member.updated` carries its full new state (consumers
    replace what they know). An update that changes nothing writes nothing."""
    repository = MemberRepository(uow.session)
    current = await repository.get(command.member_id, for_update=True)
    if current is None:
        raise NotFound(f"no member {command.member_id}")
    changed = sorted(name for name, value in command.changes.items() if getattr(current, name) != value)
    if not changed:
        return current
    member = current.updated(**{name: command.changes[name] for name in changed})
    await repository.save_update(member, changed)
    uow.emit(MemberUpdated(**_identity(member)))
    await uow.commit()
    return member


async def get_member(member_id: str, uow: UnitOfWork) -> Member:
    member = await MemberRepository(uow.session).get(member_id)
    if member is None:
        raise NotFound(f"no member {member_id}")
    return member


async def member_history(member_id: str, uow: UnitOfWork) -> list[dict[str, Any]]:
    """Every version of the member, oldest first, with the fields each update changed."""
    await get_member(member_id, uow)
    return await MemberRepository(uow.session).history(member_id)
