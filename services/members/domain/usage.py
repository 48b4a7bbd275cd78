"""ENT usage statistics (art. 6: made available to every member): per school and month."""

from __future__ import annotations

import re
from dataclasses import dataclass

from shared.errors import BusinessRuleViolation

_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
MAX_CONNECTIONS = 10_000_000


def validate_month(text: str, field: str = "month") -> str:
    match = _MONTH.match(text.strip())
    if not match or not 1 <= int(match.group(2)) <= 12 or not 2000 <= int(match.group(1)) <= 2100:
        raise BusinessRuleViolation(f"{text!r} is not a month like 2026-09", field=field)
    return text.strip()


@dataclass(frozen=True)
class UsageStatistic:
    uai: str
    month: str
    accounts_activated: int
    connections: int
    member_id: str  # the school's member in that month (on its first day)

    def __post_init__(self) -> None:
        validate_month(self.month)
        if self.accounts_activated < 0 or self.connections < 0:
            raise BusinessRuleViolation("usage figures cannot be negative", field="connections")
        if self.connections > MAX_CONNECTIONS or self.accounts_activated > MAX_CONNECTIONS:
            raise BusinessRuleViolation(
                "usage figures beyond ten million are not plausible", field="connections"
            )
