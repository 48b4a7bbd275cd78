"""Keys, tokens and small apps for the security tests."""

from __future__ import annotations

import base64
import datetime as dt
import json
from collections.abc import Callable
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from shared.security.devkeys import DevKeyPair, ensure_dev_key_pair, mint_token, token_claims
from shared.security.principal import Role
from shared.security.settings import DEFAULT_AUDIENCE, DEV_ISSUER
from shared.security.tokens import StaticKey, TokenVerifier

TokenFactory = Callable[..., str]


@pytest.fixture(scope="session")
def dev_pair(tmp_path_factory: pytest.TempPathFactory) -> DevKeyPair:
    return ensure_dev_key_pair(tmp_path_factory.mktemp("dev-keys"))


@pytest.fixture(scope="session")
def other_pair(tmp_path_factory: pytest.TempPathFactory) -> DevKeyPair:
    return ensure_dev_key_pair(tmp_path_factory.mktemp("other-keys"))


@pytest.fixture(scope="session")
def rsa_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def rsa_public_pem(key: rsa.RSAPrivateKey) -> str:
    return (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )


@pytest.fixture
def verifier(dev_pair: DevKeyPair) -> TokenVerifier:
    return TokenVerifier(keys=StaticKey(dev_pair.public_pem), issuer=DEV_ISSUER, audience=DEFAULT_AUDIENCE)


@pytest.fixture
def make_token(dev_pair: DevKeyPair) -> TokenFactory:
    """A token signed by the trusted dev key; keyword overrides change or (with None) drop claims."""

    def make(role: Role = Role.ADMIN, *, pair: DevKeyPair | None = None, **overrides: Any) -> str:
        claims = token_claims(
            role,
            member_id=overrides.pop("member_id", None),
            contractor_id=overrides.pop("contractor_id", None),
            ttl=overrides.pop("ttl", dt.timedelta(minutes=10)),
            now=overrides.pop("now", None),
        )
        for name, value in overrides.items():
            if value is None:
                claims.pop(name, None)
            else:
                claims[name] = value
        return mint_token(pair or dev_pair, claims)

    return make


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def unsigned(claims: dict[str, Any], header: dict[str, Any]) -> str:
    def b64(data: bytes) -> str:
        return base64.urlsafe_b64encode(data).rstrip(b"=").decode()

    return f"{b64(json.dumps(header).encode())}.{b64(json.dumps(claims).encode())}."
