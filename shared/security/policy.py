"""Who may call which route: one table per service, enforced in one place.

Each service declares its `RoutePolicy`: for every (method, path template) of its `/v1` API, the roles
allowed. A dependency on every `/v1` router looks the matched route up in the table: a role outside
the entry gets 403, and a route missing from the table answers 403 to everybody (fail closed) — a
test checks that every route has an entry. The README's role table is printed from these tables.

Member and contractor isolation (a member sees only its own objects) is not a matter of roles: the
routes that accept those roles apply `shared.security.isolation` to the objects they touch.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from fastapi import Depends, Request

from shared.security.dependencies import CurrentPrincipal, Forbidden
from shared.security.principal import STAFF_ROLES, Principal, Role

log = logging.getLogger(__name__)

ALL_ROLES: tuple[Role, ...] = (
    Role.ADMIN,
    Role.FINANCE,
    Role.PROCUREMENT,
    Role.VIEWER,
    Role.MEMBER,
    Role.CONTRACTOR,
    Role.CONNECTOR,
)
STAFF = frozenset(STAFF_ROLES)
STAFF_WRITERS = frozenset({Role.ADMIN, Role.FINANCE, Role.PROCUREMENT})


@dataclass(frozen=True)
class Rule:
    method: str
    path: str
    roles: frozenset[Role]
    what: str = ""


@dataclass
class RoutePolicy:
    service: str
    rules: dict[tuple[str, str], Rule] = field(default_factory=dict)

    def allow(self, method: str, path: str, roles: Iterable[Role], what: str = "") -> RoutePolicy:
        key = (method.upper(), path)
        if key in self.rules:
            raise ValueError(f"{self.service}: {key} declared twice")
        self.rules[key] = Rule(method.upper(), path, frozenset(roles), what)
        return self

    def roles_for(self, method: str, path: str) -> frozenset[Role] | None:
        rule = self.rules.get((method.upper(), path))
        return rule.roles if rule else None


def enforce(policies: Mapping[str, RoutePolicy] | RoutePolicy) -> object:
    """The router-level dependency checking the caller's roles against the matched route's rule."""
    tables = [policies] if isinstance(policies, RoutePolicy) else list(policies.values())

    async def _check(request: Request, principal: CurrentPrincipal) -> Principal:
        route = request.scope.get("route")
        template = getattr(route, "path", None)
        allowed = None
        for table in tables:
            allowed = table.roles_for(request.method, template or "")
            if allowed is not None:
                break
        if allowed is None:
            log.error("no access rule for %s %s: refused", request.method, template)
            raise Forbidden("No access rule covers this route.")
        if not principal.has_any(allowed):
            raise Forbidden(f"This action needs one of the roles: {', '.join(sorted(allowed))}.")
        return principal

    return Depends(_check)


def markdown_table(policies: Iterable[RoutePolicy]) -> str:
    """The README's role table: a row per route, a column per role."""
    header = "| service | route | " + " | ".join(r.value for r in ALL_ROLES) + " |"
    lines = [header, "|" + "---|" * (len(ALL_ROLES) + 2)]
    for policy in policies:
        for rule in sorted(policy.rules.values(), key=lambda r: (r.path, r.method)):
            cells = ["✔" if role in rule.roles else "" for role in ALL_ROLES]
            lines.append(f"| {policy.service} | `{rule.method} {rule.path}` | " + " | ".join(cells) + " |")
    return "\n".join(lines)
