"""FastAPI dependencies: the caller's principal (401 otherwise) and role checks (403 otherwise).

Wiring: `install_security(app, Authenticator.from_settings(AuthSettings()))` once per app, then
`Depends(current_principal)` on every `/v1` router (or route), and in routes:

    async def accept(quote_id: str, principal: CurrentPrincipal) -> QuoteOut: ...
    @router.post(..., dependencies=[RequireRoles(Role.ADMIN, Role.FINANCE)])
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Request, Security
from fastapi.responses import JSONResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.concurrency import run_in_threadpool

from shared.errors import ApplicationError
from shared.http.problems import problem
from shared.security.principal import Principal, Role, acting_principal
from shared.security.settings import AuthSettings
from shared.security.tokens import TokenRejected, TokenVerifier, verifier_from_settings

log = logging.getLogger(__name__)

REALM = "ent-backoffice"


class Unauthenticated(ApplicationError):
    """No token, or a token that cannot be trusted: 401 with `WWW-Authenticate: Bearer`."""

    status = 401
    type_slug = "unauthenticated"
    title = "Authentication required"

    def __init__(self, detail: str, *, invalid_token: bool) -> None:
        super().__init__(detail)
        self.invalid_token = invalid_token

    @property
    def www_authenticate(self) -> str:
        if not self.invalid_token:
            return f'Bearer realm="{REALM}"'
        # RFC 6750 §3: error_description must not contain a quote; ours are fixed phrases.
        return f'Bearer realm="{REALM}", error="invalid_token", error_description="{self.detail}"'


class Forbidden(ApplicationError):
    status = 403
    type_slug = "forbidden"
    title = "Forbidden"


# Whoever calls while authentication is disabled (development only; refused in production).
DEVELOPMENT_PRINCIPAL = Principal(
    subject="dev:anonymous", name="Development (authentication disabled)", roles=frozenset({Role.ADMIN})
)


class Authenticator:
    def __init__(self, verifier: TokenVerifier | None, *, enabled: bool = True) -> None:
        if enabled and verifier is None:
            raise ValueError("an enabled authenticator needs a verifier")
        self.verifier = verifier
        self.enabled = enabled

    @classmethod
    def from_settings(cls, settings: AuthSettings) -> Authenticator:
        if not settings.enabled:
            log.warning("authentication is DISABLED: every caller is treated as an admin")
            return cls(None, enabled=False)
        return cls(verifier_from_settings(settings))

    async def authenticate(self, token: str | None) -> Principal:
        if not self.enabled:
            return DEVELOPMENT_PRINCIPAL
        assert self.verifier is not None
        if token is None:
            raise Unauthenticated("A bearer token is required.", invalid_token=False)
        try:
            if self.verifier.keys.blocking:
                return await run_in_threadpool(self.verifier.verify, token)
            return self.verifier.verify(token)
        except TokenRejected as exc:
            # The reason, never the token: tokens are credentials and stay out of the logs.
            log.info("bearer token refused: %s", exc.reason)
            raise Unauthenticated(exc.reason, invalid_token=True) from None


def install_security(app: FastAPI, authenticator: Authenticator) -> None:
    """Give the app its authenticator and the 401 answer with its `WWW-Authenticate` header."""
    app.state.authenticator = authenticator

    # More specific than the ApplicationError handler, so Starlette picks this one for 401s.
    @app.exception_handler(Unauthenticated)
    async def _unauthenticated(request: Request, exc: Unauthenticated) -> JSONResponse:
        return problem(
            401,
            exc.type_slug,
            exc.title,
            exc.detail,
            instance=request.url.path,
            headers={"WWW-Authenticate": exc.www_authenticate},
        )


bearer_scheme = HTTPBearer(
    auto_error=False,
    bearerFormat="JWT",
    description="A JWT from the syndicate's identity provider (`python -m launcher.tokens` in development).",
)


async def current_principal(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Security(bearer_scheme)],
) -> Principal:
    """The verified caller; 401 problem otherwise. Verified once per request, however often used."""
    cached = getattr(request.state, "principal", None)
    if isinstance(cached, Principal):
        acting_principal.set(cached)
        return cached
    authenticator = getattr(request.app.state, "authenticator", None)
    if not isinstance(authenticator, Authenticator):
        # Fail closed: a route wired for authentication never answers without it.
        raise RuntimeError("install_security() was not called on this app")
    principal = await authenticator.authenticate(credentials.credentials if credentials else None)
    request.state.principal = principal
    acting_principal.set(principal)
    return principal


CurrentPrincipal = Annotated[Principal, Depends(current_principal)]


def require_roles(*roles: Role) -> Callable[..., Awaitable[Principal]]:
    """A dependency returning the principal when it holds one of `roles`; 403 problem otherwise."""
    wanted = frozenset(roles)
    if not wanted:
        raise ValueError("require_roles() needs at least one role")

    async def _check(principal: CurrentPrincipal) -> Principal:
        if not principal.has_any(wanted):
            raise Forbidden(f"This action needs one of the roles: {', '.join(sorted(wanted))}.")
        return principal

    _check.__name__ = "require_" + "_or_".join(sorted(wanted))
    return _check


def RequireRoles(*roles: Role) -> Any:
    """`dependencies=[RequireRoles(Role.ADMIN)]` on a route or router."""
    return Depends(require_roles(*roles))
