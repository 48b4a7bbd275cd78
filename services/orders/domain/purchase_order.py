"""Purchase order (bon de commande): what the syndicate orders from the ENT contractor once a member
accepted a quote. One accepted quote gives exactly one purchase order."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from enum import StrEnum

from services.orders.domain.member_directory import MemberIdentity
from services.orders.domain.quote import Quote, QuoteLine, QuoteStatus
from services.orders.domain.totals import DocumentTotals, document_totals


class PurchaseOrderStatus(StrEnum):
    # The full lifecycle (transmitted, acknowledged, partly/fully done, closed, cancelled) grows here.
    ISSUED = "issued"


def format_po_number(year: int, number: int) -> str:
    """`BC-2026-000001`: one gapless series per year (shared.numbering, series `purchase_orders`)."""
    return f"BC-{year}-{number:06d}"


@dataclass(frozen=True)
class HistoryEntry:
    at: dt.datetime
    kind: str
    detail: str


@dataclass
class PurchaseOrder:
    id: str
    po_number: str
    quote_id: str
    quote_number: str
    member_id: str
    issued_on: dt.date
    issued_at: dt.datetime
    buyer: MemberIdentity  # snapshot at acceptance; its service code is the one the invoice will carry
    commitment_number: str | None
    lines: list[QuoteLine]
    status: PurchaseOrderStatus = PurchaseOrderStatus.ISSUED
    member_invoice_number: str | None = None
    history: list[HistoryEntry] = field(default_factory=list)

    @classmethod
    def for_accepted_quote(
        cls, *, id: str, po_number: str, quote: Quote, buyer: MemberIdentity
    ) -> PurchaseOrder:
        if quote.status is not QuoteStatus.ACCEPTED or quote.acceptance is None:
            raise ValueError("a purchase order is only issued for an accepted quote")
        acceptance = quote.acceptance
        return cls(
            id=id,
            po_number=po_number,
            quote_id=quote.id,
            quote_number=quote.number,
            member_id=quote.member_id,
            issued_on=acceptance.accepted_on,
            issued_at=acceptance.accepted_at,
            buyer=buyer,
            commitment_number=acceptance.references.commitment_number,
            lines=list(quote.lines),
            history=[
                HistoryEntry(
                    acceptance.accepted_at,
                    "issued",
                    f"issued for quote {quote.number} accepted by {acceptance.accepted_by}",
                )
            ],
        )

    @property
    def totals(self) -> DocumentTotals:
        return document_totals(self.lines)

    def record_member_invoice(self, *, invoice_number: str, issue_date: dt.date, at: dt.datetime) -> None:
        """Billing rebilled this order to the member (refacturation); a reissue after a credit note
        replaces the number shown, the history keeps both."""
        self.member_invoice_number = invoice_number
        self.history.append(
            HistoryEntry(
                at, "member_invoiced", f"member invoice {invoice_number} issued on {issue_date.isoformat()}"
            )
        )
