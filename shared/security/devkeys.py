"""The development key pair (ES256) and the tokens it signs, for the CLI, the demo and the tests.

The pair lives in `var/dev-keys/` (git-ignored, private key readable by its owner only); the
verifier uses its public half in development when no key is configured, and production refuses it.
"""

from __future__ import annotations

import datetime as dt
import os
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from shared.security.principal import Role
from shared.security.settings import DEFAULT_AUDIENCE, DEV_ISSUER, DEV_KEY_DIR


@dataclass(frozen=True)
class DevKeyPair:
    private_key: ec.EllipticCurvePrivateKey
    public_pem: str
    kid: str


def generate_key_pair() -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(ec.SECP256R1())


def ensure_dev_key_pair(directory: Path = DEV_KEY_DIR) -> DevKeyPair:
    """Load the pair, creating it the first time (the private key file is mode 0600)."""
    private_path, public_path = directory / "private.pem", directory / "public.pem"
    if not private_path.is_file():
        directory.mkdir(parents=True, exist_ok=True)
        key = generate_key_pair()
        pem = key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
        fd = os.open(private_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(pem)
        public_path.write_bytes(public_pem_of(key).encode())
    loaded = serialization.load_pem_private_key(private_path.read_bytes(), password=None)
    if not isinstance(loaded, ec.EllipticCurvePrivateKey):
        raise ValueError(f"{private_path} is not an EC private key")
    public = public_pem_of(loaded)
    if not public_path.is_file() or public_path.read_text().strip() != public.strip():
        public_path.write_text(public)
    return DevKeyPair(private_key=loaded, public_pem=public, kid=_kid(public))


def public_pem_of(key: ec.EllipticCurvePrivateKey) -> str:
    return (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )


def _kid(public_pem: str) -> str:
    return "dev-" + uuid.uuid5(uuid.NAMESPACE_OID, public_pem).hex[:12]


def token_claims(
    role: Role,
    *,
    subject: str | None = None,
    name: str | None = None,
    member_id: str | None = None,
    contractor_id: str | None = None,
    ttl: dt.timedelta = dt.timedelta(hours=8),
    issuer: str = DEV_ISSUER,
    audience: str = DEFAULT_AUDIENCE,
    now: dt.datetime | None = None,
) -> dict[str, Any]:
    if role is Role.MEMBER and not member_id:
        raise ValueError("a member token needs a member id")
    if role is Role.CONTRACTOR and not contractor_id:
        raise ValueError("a contractor token needs a contractor id")
    issued = now or dt.datetime.now(dt.UTC)
    binding = member_id or contractor_id
    claims: dict[str, Any] = {
        "iss": issuer,
        "aud": audience,
        "sub": subject or (f"dev:{role.value}:{binding}" if binding else f"dev:{role.value}"),
        "name": name or f"Development {role.value}",
        "roles": [role.value],
        "iat": int(issued.timestamp()),
        "nbf": int(issued.timestamp()),
        "exp": int((issued + ttl).timestamp()),
        "jti": str(uuid.uuid4()),
    }
    if member_id:
        claims["member_id"] = member_id
    if contractor_id:
        claims["contractor_id"] = contractor_id
    return claims


def mint_token(pair: DevKeyPair, claims: dict[str, Any]) -> str:
    return jwt.encode(claims, pair.private_key, algorithm="ES256", headers={"kid": pair.kid})
