"""Bearer JWT verification: asymmetric signatures only, issuer, audience, expiry, not-before, skew.

The algorithm is never taken from the token on trust: it must be one of the configured asymmetric
algorithms (RS256, ES256) *and* match the key's type, so `alg: none` and the HS256-signed-with-the-
public-key confusion are refused before any signature check.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

import jwt
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import load_pem_public_key

from shared.security.principal import InvalidClaims, Principal
from shared.security.settings import ALLOWED_ALGORITHMS, AuthSettings

REQUIRED_CLAIMS = ("exp", "iss", "aud", "sub")
_KEY_TYPE_OF_ALGORITHM = {"RS256": rsa.RSAPublicKey, "ES256": ec.EllipticCurvePublicKey}


class TokenRejected(Exception):
    """The token cannot be trusted. `reason` is safe to show; the token itself is never logged."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class KeySource(Protocol):
    blocking: bool  # True when finding the key may do network I/O (run it off the event loop)

    def key_for(self, header: Mapping[str, Any]) -> Any: ...


class StaticKey:
    """One configured PEM public key (RSA or EC P-256)."""

    blocking = False

    def __init__(self, pem: str | bytes) -> None:
        data = pem.encode() if isinstance(pem, str) else pem
        key = load_pem_public_key(data)
        if not isinstance(key, rsa.RSAPublicKey | ec.EllipticCurvePublicKey):
            raise ValueError("the public key must be RSA or EC")
        self.key = key

    def key_for(self, header: Mapping[str, Any]) -> Any:
        return self.key


class JwksKeys:
    """Keys from the identity provider's JWKS URL, cached; refetched at most every `min_refresh_s`
    when a token names an unknown `kid` (key rotation), so forged kids cannot hammer the provider."""

    blocking = True

    def __init__(
        self, url: str, *, cache_s: int = 300, min_refresh_s: float = 30, timeout_s: float = 5
    ) -> None:
        self._client = jwt.PyJWKClient(url, cache_jwk_set=True, lifespan=cache_s, timeout=timeout_s)
        self._min_refresh_s = min_refresh_s
        self._last_refresh = 0.0
        self._lock = threading.Lock()

    def key_for(self, header: Mapping[str, Any]) -> Any:
        kid = header.get("kid")
        try:
            key = self._find(kid, refresh=False)
            if key is None:
                with self._lock:
                    if time.monotonic() - self._last_refresh >= self._min_refresh_s:
                        self._last_refresh = time.monotonic()
                        key = self._find(kid, refresh=True)
        except jwt.PyJWKClientError as exc:
            raise TokenRejected("signing keys unavailable") from exc
        if key is None:
            raise TokenRejected("unknown signing key")
        return key

    def _find(self, kid: Any, *, refresh: bool) -> Any:
        keys = self._client.get_signing_keys(refresh=refresh)
        if kid is None:
            return keys[0].key if len(keys) == 1 else None
        return next((k.key for k in keys if k.key_id == kid), None)


@dataclass(frozen=True)
class TokenVerifier:
    keys: KeySource
    issuer: str
    audience: str
    algorithms: frozenset[str] = ALLOWED_ALGORITHMS
    leeway_s: int = 30

    def verify_claims(self, token: str) -> dict[str, Any]:
        try:
            header = jwt.get_unverified_header(token)
        except jwt.InvalidTokenError as exc:
            raise TokenRejected("malformed token") from exc
        algorithm = header.get("alg")
        if algorithm not in self.algorithms or algorithm not in ALLOWED_ALGORITHMS:
            raise TokenRejected("signature algorithm not accepted")
        key: Any = self.keys.key_for(header)
        expected_type: Any = _KEY_TYPE_OF_ALGORITHM[algorithm]
        if not isinstance(key, expected_type):
            raise TokenRejected("signature algorithm does not match the key")
        try:
            return jwt.decode(
                token,
                key,
                algorithms=[algorithm],
                audience=self.audience,
                issuer=self.issuer,
                leeway=self.leeway_s,
                options={"require": list(REQUIRED_CLAIMS), "verify_signature": True},
            )
        except jwt.ExpiredSignatureError as exc:
            raise TokenRejected("token expired") from exc
        except jwt.ImmatureSignatureError as exc:
            raise TokenRejected("token not yet valid") from exc
        except jwt.InvalidAudienceError as exc:
            raise TokenRejected("token not meant for this API") from exc
        except jwt.InvalidIssuerError as exc:
            raise TokenRejected("token from an unknown issuer") from exc
        except jwt.InvalidSignatureError as exc:
            raise TokenRejected("bad signature") from exc
        except jwt.MissingRequiredClaimError as exc:
            raise TokenRejected(f"claim '{exc.claim}' missing") from exc
        except jwt.InvalidTokenError as exc:
            raise TokenRejected("invalid token") from exc

    def verify(self, token: str) -> Principal:
        claims = self.verify_claims(token)
        try:
            return Principal.from_claims(claims)
        except InvalidClaims as exc:
            raise TokenRejected(str(exc)) from exc


def verifier_from_settings(settings: AuthSettings) -> TokenVerifier:
    """The verifier the settings describe; fails at start-up (not on the first request) when no key."""
    keys: KeySource
    configured = settings.configured_public_key_pem()
    if configured is not None:
        keys = StaticKey(configured)
    elif settings.jwks_url:
        keys = JwksKeys(settings.jwks_url, cache_s=settings.jwks_cache_s)
    else:
        development = settings.development_public_key_pem()
        if development is None:
            raise RuntimeError(
                "no token key configured: set ENT_AUTH_JWKS_URL or ENT_AUTH_PUBLIC_KEY(_FILE), "
                "or run `python -m launcher.tokens` once to create the development key pair"
            )
        keys = StaticKey(development)
    return TokenVerifier(
        keys=keys,
        issuer=settings.issuer,
        audience=settings.audience,
        algorithms=settings.algorithms,
        leeway_s=settings.clock_skew_s,
    )


def bearer_token(authorization: str | None) -> str | None:
    """The token of an `Authorization: Bearer …` header (scheme case-insensitive), or None."""
    if not authorization:
        return None
    scheme, _, token = authorization.partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token or len(token) > 8192:
        return None
    return token
