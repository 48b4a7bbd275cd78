"""Authentication settings (`ENT_AUTH_*`), refusing development shortcuts in production.

Keys are public keys: a JWKS URL (the identity provider's, keys rotated by it), or one PEM public key
given inline (`ENT_AUTH_PUBLIC_KEY`) or as a file (`ENT_AUTH_PUBLIC_KEY_FILE`, e.g. a mounted secret).
In development, with none of them, the key pair minted by `python -m launcher.tokens` is used.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import AliasChoices, Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from shared.settings import Environment

# Issuer of the tokens minted by the development CLI; never accepted in production.
DEV_ISSUER = "urn:npdc-ent:dev-tokens"
DEFAULT_AUDIENCE = "ent-backoffice"
DEV_KEY_DIR = Path("var/dev-keys")
ALLOWED_ALGORITHMS = frozenset({"RS256", "ES256"})


class InsecureConfiguration(ValueError):
    """The settings would run production with a development shortcut."""


class AuthSettings(BaseSettings):
    # An empty variable is an unset one (compose passes `${ENT_AUTH_ISSUER:-}` through as "").
    model_config = SettingsConfigDict(
        env_prefix="ENT_AUTH_", env_file=".env", extra="ignore", populate_by_name=True, env_ignore_empty=True
    )

    # Read from the common `ENT_ENVIRONMENT`, like the other settings.
    environment: Environment = Field(
        default=Environment.DEVELOPMENT, validation_alias=AliasChoices("ENT_ENVIRONMENT", "environment")
    )
    enabled: bool = Field(default=True, description="False only in development: every caller is an admin")
    jwks_url: str | None = Field(default=None, description="The identity provider's JWKS endpoint")
    public_key: str | None = Field(default=None, description="A PEM public key (RSA or EC P-256)")
    public_key_file: Path | None = Field(default=None, description="A file holding the PEM public key")
    issuer: str = DEV_ISSUER
    audience: str = DEFAULT_AUDIENCE
    algorithms: frozenset[str] = ALLOWED_ALGORITHMS
    clock_skew_s: int = Field(default=30, ge=0, le=120)
    jwks_cache_s: int = Field(default=300, ge=10, le=86_400)
    dev_key_dir: Path = DEV_KEY_DIR

    @field_validator("algorithms")
    @classmethod
    def _asymmetric_only(cls, value: frozenset[str]) -> frozenset[str]:
        # `none` and HS* (a shared secret, forgeable with the public key) are never accepted.
        unknown = value - ALLOWED_ALGORITHMS
        if unknown or not value:
            raise ValueError(f"only {sorted(ALLOWED_ALGORITHMS)} are allowed, got {sorted(value)}")
        return value

    @model_validator(mode="after")
    def _production_refuses_development_shortcuts(self) -> AuthSettings:
        if self.environment is not Environment.PRODUCTION:
            return self
        if not self.enabled:
            raise InsecureConfiguration("ENT_AUTH_ENABLED=false is refused in production")
        if not (self.jwks_url or self.public_key or self.public_key_file):
            raise InsecureConfiguration(
                "production needs ENT_AUTH_JWKS_URL, ENT_AUTH_PUBLIC_KEY or ENT_AUTH_PUBLIC_KEY_FILE"
            )
        if self.issuer == DEV_ISSUER:
            raise InsecureConfiguration("production needs ENT_AUTH_ISSUER (the identity provider's issuer)")
        if self.jwks_url and not self.jwks_url.startswith("https://"):
            raise InsecureConfiguration("ENT_AUTH_JWKS_URL must be https:// in production")
        if self._uses_development_key():
            raise InsecureConfiguration("the development key pair is refused in production")
        return self

    def _uses_development_key(self) -> bool:
        dev_public = self.dev_key_dir / "public.pem"
        if self.public_key_file is not None and (
            self.public_key_file.resolve().parent == self.dev_key_dir.resolve()
        ):
            return True
        if not dev_public.is_file():
            return False
        configured = self.configured_public_key_pem()
        return configured is not None and configured.strip() == dev_public.read_text().strip()

    def configured_public_key_pem(self) -> str | None:
        if self.public_key:
            return self.public_key
        if self.public_key_file is not None:
            return self.public_key_file.read_text()
        return None

    def development_public_key_pem(self) -> str | None:
        path = self.dev_key_dir / "public.pem"
        if self.environment is Environment.PRODUCTION or not path.is_file():
            return None
        return path.read_text()
