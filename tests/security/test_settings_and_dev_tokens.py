"""Settings refuse development shortcuts in production; the dev CLI mints tokens the services trust."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from pydantic import ValidationError

from launcher import tokens as cli
from shared.security.devkeys import ensure_dev_key_pair
from shared.security.principal import Role
from shared.security.settings import DEV_ISSUER, AuthSettings
from shared.security.tokens import verifier_from_settings
from tests.security.conftest import rsa_public_pem


@pytest.fixture
def prod_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ENT_ENVIRONMENT", "production")
    monkeypatch.setenv("ENT_AUTH_ISSUER", "https://sso.npdc-numerique.fr/realms/ent")


def refused(**kwargs) -> str:
    with pytest.raises(ValidationError) as caught:
        AuthSettings(_env_file=None, **kwargs)
    return str(caught.value)


def test_production_refuses_disabled_authentication(prod_env, rsa_key) -> None:
    assert "ENT_AUTH_ENABLED=false is refused" in refused(enabled=False, public_key=rsa_public_pem(rsa_key))


def test_production_refuses_running_without_a_key(prod_env) -> None:
    assert "production needs ENT_AUTH_JWKS_URL" in refused()


def test_production_refuses_the_development_issuer(prod_env, monkeypatch, rsa_key) -> None:
    monkeypatch.delenv("ENT_AUTH_ISSUER")
    assert "ENT_AUTH_ISSUER" in refused(public_key=rsa_public_pem(rsa_key))


def test_production_refuses_the_development_key(prod_env, tmp_path: Path) -> None:
    pair = ensure_dev_key_pair(tmp_path)
    assert "development key pair is refused" in refused(dev_key_dir=tmp_path, public_key=pair.public_pem)
    assert "development key pair is refused" in refused(
        dev_key_dir=tmp_path, public_key_file=tmp_path / "public.pem"
    )


def test_production_refuses_a_plain_http_jwks_url(prod_env) -> None:
    assert "https://" in refused(jwks_url="http://sso.internal/certs")


def test_production_accepts_a_real_configuration(prod_env, rsa_key, tmp_path: Path) -> None:
    key_file = tmp_path / "idp.pem"
    key_file.write_text(rsa_public_pem(rsa_key))
    settings = AuthSettings(_env_file=None, public_key_file=key_file, dev_key_dir=tmp_path / "dev")
    assert verifier_from_settings(settings).issuer == "https://sso.npdc-numerique.fr/realms/ent"
    assert AuthSettings(_env_file=None, jwks_url="https://sso.npdc-numerique.fr/certs").jwks_url


@pytest.mark.parametrize("algorithms", [["HS256"], ["none"], ["ES256", "HS512"], []])
def test_only_asymmetric_algorithms_can_be_configured(algorithms: list[str]) -> None:
    assert "only" in refused(algorithms=algorithms)


def test_development_without_a_key_points_to_the_token_cli(tmp_path: Path) -> None:
    settings = AuthSettings(_env_file=None, dev_key_dir=tmp_path / "none")
    with pytest.raises(RuntimeError, match=r"launcher\.tokens"):
        verifier_from_settings(settings)


def test_the_cli_mints_tokens_the_development_settings_trust(tmp_path: Path, capsys) -> None:
    assert (
        cli.main(["--role", "member", "--member-id", "m-7", "--ttl", "30m", "--key-dir", str(tmp_path)]) == 0
    )
    token = capsys.readouterr().out.strip()
    assert (tmp_path / "private.pem").stat().st_mode & 0o777 == 0o600
    verifier = verifier_from_settings(AuthSettings(_env_file=None, dev_key_dir=tmp_path))
    principal = verifier.verify(token)
    assert (principal.role, principal.member_id) == (Role.MEMBER, "m-7")


def test_the_key_pair_is_generated_once(tmp_path: Path) -> None:
    first, second = ensure_dev_key_pair(tmp_path), ensure_dev_key_pair(tmp_path)
    assert first.public_pem == second.public_pem and first.kid == second.kid


def test_the_demo_prints_one_token_per_role(tmp_path: Path) -> None:
    out = io.StringIO()
    tokens = cli.print_demo_tokens(member_id="m-1", key_dir=tmp_path, out=out)
    assert set(tokens) == set(Role)
    verifier = verifier_from_settings(AuthSettings(_env_file=None, dev_key_dir=tmp_path))
    assert {verifier.verify(t).role for t in tokens.values()} == set(Role)
    assert "member (member m-1)" in out.getvalue()


def test_a_member_token_needs_a_member_id(tmp_path: Path) -> None:
    with pytest.raises(SystemExit):
        cli.main(["--role", "member", "--key-dir", str(tmp_path)])


@pytest.mark.parametrize(("text", "seconds"), [("90s", 90), ("30m", 1800), ("8h", 28800), ("2d", 172800)])
def test_lifetimes(text: str, seconds: int) -> None:
    assert cli.parse_ttl(text).total_seconds() == seconds


@pytest.mark.parametrize("text", ["8", "1w", "-1h", "0s", "31d"])
def test_bad_lifetimes(text: str) -> None:
    with pytest.raises(Exception, match=r"duration|between"):
        cli.parse_ttl(text)


def test_an_empty_variable_is_an_unset_one(monkeypatch: pytest.MonkeyPatch) -> None:
    # docker-compose passes `${ENT_AUTH_ISSUER:-}` through as "": that must not blank the issuer.
    monkeypatch.setenv("ENT_AUTH_ISSUER", "")
    monkeypatch.setenv("ENT_AUTH_JWKS_URL", "")
    settings = AuthSettings()
    assert settings.issuer == DEV_ISSUER and settings.jwks_url is None
