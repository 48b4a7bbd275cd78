"""Who is calling: the principal a verified token describes, and the roles of the API.

Claims follow OpenID Connect so the syndicate's identity provider can issue the tokens: `sub`, `name`,
roles in `roles` (or Keycloak's `realm_access.roles`), and the binding claims `member_id` (role
`member`) and `contractor_id` (role `contractor`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from contextvars import ContextVar
from dataclasses import dataclass
from enum import StrEnum
from typing import Any


class Role(StrEnum):
    ADMIN = "admin"
    FINANCE = "finance"
    PROCUREMENT = "procurement"
    VIEWER = "viewer"
    MEMBER = "member"  # an adherent authority, bound to one member id
    CONTRACTOR = "contractor"  # the marketplace contractor (titulaire), bound to its id
    CONNECTOR = "connector"  # the Chorus Pro transmission robot


STAFF_ROLES = frozenset({Role.ADMIN, Role.FINANCE, Role.PROCUREMENT, Role.VIEWER})
# A bound role must be the token's only role: a token that is both `member` and `admin` would make
# member isolation ambiguous, so it is refused rather than guessed at.
EXCLUSIVE_ROLES = frozenset({Role.MEMBER, Role.CONTRACTOR, Role.CONNECTOR})
# When a staff token carries several roles, `role` names the strongest (for the audit trail).
_PRECEDENCE = (Role.ADMIN, Role.FINANCE, Role.PROCUREMENT, Role.VIEWER)

_BINDING_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$")


class InvalidClaims(ValueError):
    """The token is authentic but its claims do not describe a usable principal."""


@dataclass(frozen=True)
class Principal:
    subject: str
    name: str
    roles: frozenset[Role]
    member_id: str | None = None
    contractor_id: str | None = None

    @property
    def role(self) -> Role:
        """The principal's role (the strongest one when a staff member holds several)."""
        for role in (*_PRECEDENCE, *EXCLUSIVE_ROLES):
            if role in self.roles:
                return role
        raise InvalidClaims("principal without role")  # pragma: no cover - from_claims refuses it

    @property
    def role_label(self) -> str:
        """All roles, sorted and comma-separated: what the audit trail records."""
        return ",".join(sorted(self.roles))

    @property
    def is_staff(self) -> bool:
        return bool(self.roles & STAFF_ROLES)

    @property
    def is_member(self) -> bool:
        return Role.MEMBER in self.roles

    @property
    def is_contractor(self) -> bool:
        return Role.CONTRACTOR in self.roles

    def has_any(self, roles: frozenset[Role] | set[Role]) -> bool:
        return bool(self.roles & roles)

    @classmethod
    def from_claims(cls, claims: Mapping[str, Any]) -> Principal:
        subject = claims.get("sub")
        if not isinstance(subject, str) or not subject or len(subject) > 200:
            raise InvalidClaims("claim 'sub' missing or invalid")
        name = claims.get("name") or claims.get("preferred_username") or subject
        if not isinstance(name, str):
            raise InvalidClaims("claim 'name' is not a string")
        roles = _roles(claims)
        if not roles:
            raise InvalidClaims("the token carries no role of this API")
        if roles & EXCLUSIVE_ROLES and len(roles) > 1:
            raise InvalidClaims(f"role {sorted(roles & EXCLUSIVE_ROLES)[0]} cannot be combined")
        member_id = _binding(claims, "member_id", required=Role.MEMBER in roles)
        contractor_id = _binding(claims, "contractor_id", required=Role.CONTRACTOR in roles)
        return cls(
            subject=subject,
            name=name[:200],
            roles=frozenset(roles),
            # Binding claims only count for the role they bind: a staff token's stray member_id is ignored.
            member_id=member_id if Role.MEMBER in roles else None,
            contractor_id=contractor_id if Role.CONTRACTOR in roles else None,
        )


def _roles(claims: Mapping[str, Any]) -> set[Role]:
    raw: Any = claims.get("roles")
    if raw is None:
        realm = claims.get("realm_access")
        raw = realm.get("roles") if isinstance(realm, Mapping) else None
    if isinstance(raw, str):
        raw = raw.split()
    if not isinstance(raw, list):
        return set()
    known = {role.value for role in Role}
    # Identity providers add their own roles (offline_access...): only ours count.
    return {Role(value) for value in raw if isinstance(value, str) and value in known}


def _binding(claims: Mapping[str, Any], name: str, *, required: bool) -> str | None:
    value = claims.get(name)
    if value is None:
        if required:
            raise InvalidClaims(f"claim '{name}' is required for this role")
        return None
    if not isinstance(value, str) or not _BINDING_ID.match(value):
        raise InvalidClaims(f"claim '{name}' is malformed")
    return value


# Who the current request acts for, set once its token is verified: the unit of work reads it to
# attribute the audit entries of the changes it commits (unset in consumers and jobs: the system).
acting_principal: ContextVar[Principal | None] = ContextVar("acting_principal", default=None)
