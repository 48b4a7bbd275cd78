"""Bearer tokens: what is accepted, and every way a forged or stale token is refused."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, HTTPServer

import jwt
import pytest

from shared.security.devkeys import DevKeyPair, token_claims
from shared.security.principal import Role
from shared.security.settings import DEFAULT_AUDIENCE, DEV_ISSUER
from shared.security.tokens import JwksKeys, StaticKey, TokenRejected, TokenVerifier
from tests.security.conftest import TokenFactory, rsa_public_pem, unsigned


def rejected(verifier: TokenVerifier, token: str) -> str:
    with pytest.raises(TokenRejected) as caught:
        verifier.verify(token)
    return caught.value.reason


def test_a_valid_es256_token_gives_the_principal(verifier: TokenVerifier, make_token: TokenFactory) -> None:
    principal = verifier.verify(make_token(Role.MEMBER, member_id="m-42", name="Mairie de Lille"))
    assert principal.role is Role.MEMBER
    assert principal.member_id == "m-42"
    assert principal.name == "Mairie de Lille"
    assert principal.subject == "dev:member:m-42"


def test_a_valid_rs256_token_is_accepted_with_an_rsa_key(rsa_key) -> None:
    verifier = TokenVerifier(
        keys=StaticKey(rsa_public_pem(rsa_key)), issuer=DEV_ISSUER, audience=DEFAULT_AUDIENCE
    )
    token = jwt.encode(token_claims(Role.FINANCE), rsa_key, algorithm="RS256")
    assert verifier.verify(token).role is Role.FINANCE


def test_an_expired_token_is_refused(verifier: TokenVerifier, make_token: TokenFactory) -> None:
    expired = make_token(now=dt.datetime.now(dt.UTC) - dt.timedelta(minutes=20), ttl=dt.timedelta(minutes=10))
    assert rejected(verifier, expired) == "token expired"


def test_expiry_tolerates_the_clock_skew(verifier: TokenVerifier, make_token: TokenFactory) -> None:
    now = int(time.time())
    assert verifier.verify(make_token(exp=now - 20)).role is Role.ADMIN
    assert rejected(verifier, make_token(exp=now - 45)) == "token expired"


def test_a_token_not_yet_valid_is_refused_beyond_the_skew(
    verifier: TokenVerifier, make_token: TokenFactory
) -> None:
    now = int(time.time())
    assert rejected(verifier, make_token(nbf=now + 120)) == "token not yet valid"
    assert verifier.verify(make_token(nbf=now + 20)).role is Role.ADMIN


def test_a_token_for_another_audience_is_refused(verifier: TokenVerifier, make_token: TokenFactory) -> None:
    assert rejected(verifier, make_token(aud="another-api")) == "token not meant for this API"


def test_a_token_from_another_issuer_is_refused(verifier: TokenVerifier, make_token: TokenFactory) -> None:
    assert rejected(verifier, make_token(iss="https://evil.example")) == "token from an unknown issuer"


def test_a_token_signed_by_another_key_is_refused(
    verifier: TokenVerifier, make_token: TokenFactory, other_pair: DevKeyPair
) -> None:
    assert rejected(verifier, make_token(pair=other_pair)) == "bad signature"


def test_a_tampered_payload_is_refused(verifier: TokenVerifier, make_token: TokenFactory) -> None:
    header, _, signature = make_token(Role.VIEWER).split(".")
    forged = base64.urlsafe_b64encode(json.dumps(token_claims(Role.ADMIN)).encode()).rstrip(b"=").decode()
    assert rejected(verifier, f"{header}.{forged}.{signature}") == "bad signature"


def test_alg_none_is_refused(verifier: TokenVerifier) -> None:
    for alg in ("none", "None", "NONE"):
        token = unsigned(token_claims(Role.ADMIN), {"alg": alg, "typ": "JWT"})
        assert rejected(verifier, token) == "signature algorithm not accepted"


def test_hs256_signed_with_the_public_key_is_refused(verifier: TokenVerifier, dev_pair: DevKeyPair) -> None:
    # The classic key-confusion attack: the attacker knows the public key and uses it as an HMAC secret.
    signing_input = unsigned(token_claims(Role.ADMIN), {"alg": "HS256", "typ": "JWT"})[:-1]
    mac = hmac.new(dev_pair.public_pem.encode(), signing_input.encode(), hashlib.sha256).digest()
    token = f"{signing_input}.{base64.urlsafe_b64encode(mac).rstrip(b'=').decode()}"
    assert rejected(verifier, token) == "signature algorithm not accepted"


def test_an_algorithm_that_does_not_match_the_key_is_refused(rsa_key, verifier: TokenVerifier) -> None:
    # RS256 is allowed, but the configured key is EC: the token's choice is not trusted.
    token = jwt.encode(token_claims(Role.ADMIN), rsa_key, algorithm="RS256")
    assert rejected(verifier, token) == "signature algorithm does not match the key"


@pytest.mark.parametrize("claim", ["exp", "sub", "aud", "iss"])
def test_required_claims_are_required(verifier: TokenVerifier, make_token: TokenFactory, claim: str) -> None:
    assert rejected(verifier, make_token(**{claim: None})) == f"claim '{claim}' missing"


@pytest.mark.parametrize("garbage", ["", "abc", "a.b.c", "x" * 50, "eyJhbGciOiJFUzI1NiJ9..sig"])
def test_garbage_is_refused(verifier: TokenVerifier, garbage: str) -> None:
    with pytest.raises(TokenRejected):
        verifier.verify(garbage)


def test_keycloak_realm_roles_are_understood_and_foreign_roles_ignored(
    verifier: TokenVerifier, make_token: TokenFactory
) -> None:
    token = make_token(
        roles=None, realm_access={"roles": ["offline_access", "procurement", "uma_authorization"]}
    )
    principal = verifier.verify(token)
    assert principal.roles == {Role.PROCUREMENT}


def test_staff_roles_combine_and_the_strongest_is_the_role(
    verifier: TokenVerifier, make_token: TokenFactory
) -> None:
    principal = verifier.verify(make_token(roles=["viewer", "finance"]))
    assert principal.role is Role.FINANCE
    assert principal.role_label == "finance,viewer"


@pytest.mark.parametrize(
    ("overrides", "reason"),
    [
        ({"roles": ["member"]}, "claim 'member_id' is required for this role"),
        ({"roles": ["contractor"]}, "claim 'contractor_id' is required for this role"),
        ({"roles": ["member", "admin"], "member_id": "m-1"}, "role member cannot be combined"),
        ({"roles": ["offline_access"]}, "the token carries no role of this API"),
        ({"roles": ["member"], "member_id": "../etc"}, "claim 'member_id' is malformed"),
    ],
)
def test_unusable_claims_are_refused(
    verifier: TokenVerifier, make_token: TokenFactory, overrides: dict, reason: str
) -> None:
    assert rejected(verifier, make_token(**overrides)) == reason


def test_a_staff_token_with_a_stray_member_id_is_not_bound(
    verifier: TokenVerifier, make_token: TokenFactory
) -> None:
    principal = verifier.verify(make_token(Role.VIEWER, member_id="m-1"))
    assert principal.member_id is None and not principal.is_member


@pytest.fixture
def jwks_server(dev_pair: DevKeyPair):
    jwk = json.loads(jwt.algorithms.ECAlgorithm.to_jwk(dev_pair.private_key.public_key()))
    jwk.update({"kid": dev_pair.kid, "use": "sig", "alg": "ES256"})
    body = json.dumps({"keys": [jwk]}).encode()
    hits: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            hits.append(self.path)
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args) -> None:
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/jwks.json", hits
    server.shutdown()


def test_keys_from_a_jwks_url_are_fetched_once_and_cached(jwks_server, make_token: TokenFactory) -> None:
    url, hits = jwks_server
    verifier = TokenVerifier(keys=JwksKeys(url), issuer=DEV_ISSUER, audience=DEFAULT_AUDIENCE)
    for _ in range(3):
        assert verifier.verify(make_token(Role.VIEWER)).role is Role.VIEWER
    assert len(hits) == 1


def test_an_unknown_kid_refetches_at_most_once_per_interval(
    jwks_server, make_token: TokenFactory, other_pair: DevKeyPair
) -> None:
    url, hits = jwks_server
    verifier = TokenVerifier(keys=JwksKeys(url), issuer=DEV_ISSUER, audience=DEFAULT_AUDIENCE)
    for _ in range(5):
        assert rejected(verifier, make_token(pair=other_pair)) == "unknown signing key"
    assert len(hits) == 2  # the first load, then one refresh for the unknown kid
