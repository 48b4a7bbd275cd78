"""The transmission channel as a port (canal de transmission): what the built-in PISTE adapter does on
Chorus Pro. The external connector is the other adapter: it speaks our connector API instead."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Protocol

from services.billing.domain.chorus_status import StatusReport


@dataclass(frozen=True)
class Exchange:
    """One request to Chorus Pro and what came back, for the invoice's history (never a secret)."""

    at: dt.datetime
    operation: str
    http_status: int | None
    outcome: str
    duration_ms: int


class ChorusError(Exception):
    """Chorus Pro refused or could not be reached. `retryable`: try again later (down, 5xx, timeout)."""

    def __init__(self, message: str, *, retryable: bool) -> None:
        super().__init__(message)
        self.retryable = retryable


def backoff(attempts: int, *, base_s: float, max_s: float) -> dt.timedelta:
    """Capped exponential wait before the next try (a failed deposit) or look (a status poll)."""
    return dt.timedelta(seconds=min(max_s, base_s * 2 ** max(0, attempts - 1)))


@dataclass(frozen=True)
class DepositReceipt:
    flux_number: str
    deposited_at: dt.datetime


@dataclass(frozen=True)
class FlowReport:
    """Compte rendu du flux: IN_INTEGRE, IN_INTEGRE_PARTIEL, IN_REJETE, or still being processed."""

    state: str
    chorus_invoice_id: str | None = None
    detail: str | None = None

    @property
    def integrated(self) -> bool:
        return self.state in ("IN_INTEGRE", "IN_INTEGRE_PARTIEL")

    @property
    def rejected(self) -> bool:
        return self.state == "IN_REJETE"


@dataclass(frozen=True)
class FoundInvoice:
    chorus_invoice_id: str
    flux_number: str | None


class ChorusGateway(Protocol):
    """Each call appends what it exchanged to `log`, success or failure."""

    async def deposit(self, filename: str, content: bytes, log: list[Exchange]) -> DepositReceipt: ...

    async def find_invoice(self, number: str, log: list[Exchange]) -> FoundInvoice | None: ...

    async def flow_report(self, flux_number: str, log: list[Exchange]) -> FlowReport: ...

    async def status_history(self, chorus_invoice_id: str, log: list[Exchange]) -> list[StatusReport]: ...

    async def complete(
        self, chorus_invoice_id: str, documents: list[tuple[str, bytes]], comment: str, log: list[Exchange]
    ) -> None: ...
