"""Development tokens: `python -m launcher.tokens [--role admin] [--member-id …] [--ttl 8h]`.

Signs with the development ES256 key pair under `var/dev-keys/` (created on first use), which the
services trust in development when no identity provider is configured. Production refuses it.

    python -m launcher.tokens --role member --member-id 6f1c…   # one token, for curl:
    curl -H "Authorization: Bearer $(python -m launcher.tokens --role finance)" …/v1/invoices
    python -m launcher.tokens --all --member-id 6f1c… --contractor-id ACME  # one per role
"""

from __future__ import annotations

import argparse
import datetime as dt
import re
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

from shared.security.devkeys import ensure_dev_key_pair, mint_token, token_claims
from shared.security.principal import Role
from shared.security.settings import DEFAULT_AUDIENCE, DEV_ISSUER, DEV_KEY_DIR

_DURATION = re.compile(r"^(\d+)([smhd])$")
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days"}
DEMO_CONTRACTOR_ID = "demo-contractor"


def parse_ttl(text: str) -> dt.timedelta:
    match = _DURATION.match(text.strip())
    if not match:
        raise argparse.ArgumentTypeError(f"duration like 90s, 30m, 8h or 2d expected, got {text!r}")
    ttl = dt.timedelta(**{_UNITS[match.group(2)]: int(match.group(1))})
    if not dt.timedelta(0) < ttl <= dt.timedelta(days=30):
        raise argparse.ArgumentTypeError("the lifetime must be between 1 s and 30 days")
    return ttl


def dev_token(
    role: Role,
    *,
    member_id: str | None = None,
    contractor_id: str | None = None,
    ttl: dt.timedelta = dt.timedelta(hours=8),
    key_dir: Path = DEV_KEY_DIR,
    issuer: str = DEV_ISSUER,
    audience: str = DEFAULT_AUDIENCE,
) -> str:
    pair = ensure_dev_key_pair(key_dir)
    claims = token_claims(
        role,
        member_id=member_id if role is Role.MEMBER else None,
        contractor_id=contractor_id if role is Role.CONTRACTOR else None,
        ttl=ttl,
        issuer=issuer,
        audience=audience,
    )
    return mint_token(pair, claims)


def demo_tokens(
    *,
    member_id: str | None,
    contractor_id: str = DEMO_CONTRACTOR_ID,
    ttl: dt.timedelta = dt.timedelta(hours=8),
    key_dir: Path = DEV_KEY_DIR,
) -> dict[Role, str]:
    """One token per role (the member role only when a member id is given)."""
    tokens: dict[Role, str] = {}
    for role in Role:
        if role is Role.MEMBER and not member_id:
            continue
        tokens[role] = dev_token(
            role, member_id=member_id, contractor_id=contractor_id, ttl=ttl, key_dir=key_dir
        )
    return tokens


def print_demo_tokens(
    *,
    member_id: str | None,
    contractor_id: str = DEMO_CONTRACTOR_ID,
    key_dir: Path = DEV_KEY_DIR,
    out: TextIO | None = None,
) -> dict[Role, str]:
    """What the embedded demo prints once seeded: a ready-to-use token per role."""
    stream = out or sys.stdout
    tokens = demo_tokens(member_id=member_id, contractor_id=contractor_id, key_dir=key_dir)
    stream.write("\nDevelopment tokens (valid 8 h; Authorization: Bearer <token>):\n")
    for role, token in tokens.items():
        bound = f" (member {member_id})" if role is Role.MEMBER else ""
        bound = f" (contractor {contractor_id})" if role is Role.CONTRACTOR else bound
        stream.write(f"  {role.value}{bound}:\n    {token}\n")
    stream.flush()
    return tokens


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m launcher.tokens", description="Mint development tokens.")
    parser.add_argument("--role", choices=[r.value for r in Role], default=Role.ADMIN.value)
    parser.add_argument("--member-id", help="the member the token is bound to (role member)")
    parser.add_argument("--contractor-id", default=DEMO_CONTRACTOR_ID, help="(role contractor)")
    parser.add_argument("--ttl", type=parse_ttl, default=parse_ttl("8h"), help="lifetime: 90s, 30m, 8h, 2d")
    parser.add_argument("--all", action="store_true", help="one token per role")
    parser.add_argument("--key-dir", type=Path, default=DEV_KEY_DIR)
    args = parser.parse_args(argv)
    if args.all:
        print_demo_tokens(member_id=args.member_id, contractor_id=args.contractor_id, key_dir=args.key_dir)
        return 0
    role = Role(args.role)
    if role is Role.MEMBER and not args.member_id:
        parser.error("--role member needs --member-id")
    print(
        dev_token(
            role,
            member_id=args.member_id,
            contractor_id=args.contractor_id,
            ttl=args.ttl,
            key_dir=args.key_dir,
        )
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
