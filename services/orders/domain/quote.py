"""Quote (devis): what the syndicate offers a member from the catalogue, at the contract's prices (art. 7).

Lifecycle: draft → sent → accepted | refused | cancelled, and expired once past its validity date.
A draft or sent quote reads as expired the day after `valid_until` (`status_on`); the expiry job then
records it (`expire`) and publishes `orders.quote.expired`, so the reading never waits on the job.

Specific support (accompagnement spécifique, art. 5-6) is quoted as free lines at the half-day rate. It is
a statutory contribution, outside the scope of VAT (EN 16931 category `O`), and an invoice with `O` lines
carries no taxed line (EN 16931 BR-O-*): since an accepted quote is rebilled as one invoice, a quote never
mixes `O` lines with taxed marketplace lines (`vat_scope_rule`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace
from decimal import Decimal
from enum import StrEnum

from services.orders.domain.catalogue import MAX_UNIT_PRICE, CatalogueItem
from services.orders.domain.member_directory import (
    ChorusReferences,
    MemberIdentity,
    MemberView,
    chorus_references,
)
from services.orders.domain.totals import DocumentTotals, document_totals, line_net_amount
from shared.errors import BusinessRuleViolation, Conflict

MAX_QUANTITY = Decimal("100000")  # more is a typing error, not an order
QUANTITY_PLACES = 3
MAX_LINES = 200
MAX_VALIDITY = dt.timedelta(days=366)

SPECIFIC_SUPPORT_CODE = "ACCOMPAGNEMENT-SPECIFIQUE"
SPECIFIC_SUPPORT_UNIT = "demi-journée"
SPECIFIC_SUPPORT_SOURCE = "specific_support"
OUTSIDE_VAT_SCOPE = "O"


class QuoteStatus(StrEnum):
    DRAFT = "draft"
    SENT = "sent"
    ACCEPTED = "accepted"
    REFUSED = "refused"
    EXPIRED = "expired"
    CANCELLED = "cancelled"


def validate_quantity(quantity: Decimal, *, field: str) -> Decimal:
    if quantity <= 0:
        raise BusinessRuleViolation("a quantity must be greater than zero", field=field)
    if quantity > MAX_QUANTITY:
        raise BusinessRuleViolation(f"a quantity above {MAX_QUANTITY} is not plausible", field=field)
    if quantity != quantity.quantize(Decimal(1).scaleb(-QUANTITY_PLACES)):
        raise BusinessRuleViolation(f"a quantity has at most {QUANTITY_PLACES} decimals", field=field)
    return quantity


@dataclass(frozen=True)
class QuoteLine:
    """A catalogue item at the price in force on the quote's date, frozen in the quote."""

    line_no: int
    item_code: str
    label: str
    unit: str
    quantity: Decimal
    unit_price: Decimal
    vat_category: str
    vat_rate: Decimal
    source: str
    contract_reference: str
    price_valid_from: dt.date

    @classmethod
    def from_catalogue(cls, line_no: int, item: CatalogueItem, quantity: Decimal, *, field: str) -> QuoteLine:
        return cls(
            line_no=line_no,
            item_code=item.code,
            label=item.label,
            unit=item.unit,
            quantity=validate_quantity(quantity, field=field),
            unit_price=item.unit_price,
            vat_category=item.vat_category,
            vat_rate=item.vat_rate,
            source=item.source.value,
            contract_reference=item.contract_reference,
            price_valid_from=item.valid_from,
        )

    @classmethod
    def specific_support(
        cls,
        line_no: int,
        *,
        label: str,
        quantity: Decimal,
        half_day_rate: Decimal,
        legal_basis: str,
        on: dt.date,
        field: str,
    ) -> QuoteLine:
        """A free line (no catalogue code) of specific support, per half-day, outside the VAT scope."""
        if not label.strip():
            raise BusinessRuleViolation("a specific support line needs a label", field=f"{field}.label")
        if half_day_rate <= 0 or half_day_rate > MAX_UNIT_PRICE:
            raise BusinessRuleViolation(
                f"a half-day rate is above 0 and at most {MAX_UNIT_PRICE} €", field=f"{field}.unit_price"
            )
        return cls(
            line_no=line_no,
            item_code=SPECIFIC_SUPPORT_CODE,
            label=label.strip(),
            unit=SPECIFIC_SUPPORT_UNIT,
            quantity=validate_quantity(quantity, field=f"{field}.quantity"),
            unit_price=half_day_rate,
            vat_category=OUTSIDE_VAT_SCOPE,
            vat_rate=Decimal("0.00"),
            source=SPECIFIC_SUPPORT_SOURCE,
            contract_reference=legal_basis,
            price_valid_from=on,
        )

    @property
    def net_amount(self) -> Decimal:
        return line_net_amount(self.quantity, self.unit_price)


def vat_scope_rule(lines: list[QuoteLine]) -> None:
    """Lines outside the VAT scope (category O: specific support, statutory) never share a quote with
    lines in the scope of VAT: the quote becomes one invoice, and EN 16931 forbids the mix."""
    outside = [line for line in lines if line.vat_category == OUTSIDE_VAT_SCOPE]
    if outside and len(outside) != len(lines):
        first_taxed = next(line for line in lines if line.vat_category != OUTSIDE_VAT_SCOPE)
        raise BusinessRuleViolation(
            "specific support (outside the scope of VAT, category O) cannot share a quote with "
            f"line {first_taxed.line_no} ({first_taxed.item_code}, VAT category {first_taxed.vat_category}): "
            "make two quotes",
            field="lines",
        )


@dataclass
class Acceptance:
    """Who accepted, when, and with which Chorus references."""

    accepted_by: str
    accepted_at: dt.datetime
    accepted_on: dt.date  # the business date in Paris
    references: ChorusReferences


@dataclass
class Quote:
    """A quote (devis) for one member."""

    id: str
    number: str
    member_id: str
    quoted_on: dt.date
    valid_until: dt.date
    lines: list[QuoteLine]
    status: QuoteStatus = QuoteStatus.DRAFT
    sent_on: dt.date | None = None
    acceptance: Acceptance | None = None
    refused_on: dt.date | None = None
    refusal_reason: str | None = None
    cancelled_on: dt.date | None = None
    expired_on: dt.date | None = None
    purchase_order_number: str | None = field(default=None)

    @classmethod
    def draft(
        cls,
        *,
        id: str,
        number: str,
        member_id: str,
        quoted_on: dt.date,
        valid_until: dt.date,
        lines: list[QuoteLine],
    ) -> Quote:
        if not lines:
            raise BusinessRuleViolation("a quote needs at least one line", field="lines")
        if len(lines) > MAX_LINES:
            raise BusinessRuleViolation(f"a quote has at most {MAX_LINES} lines", field="lines")
        if valid_until < quoted_on:
            raise BusinessRuleViolation("a quote cannot expire before it is made", field="valid_until")
        if valid_until > quoted_on + MAX_VALIDITY:
            raise BusinessRuleViolation("a quote is valid for one year at most", field="valid_until")
        vat_scope_rule(lines)
        return cls(
            id=id,
            number=number,
            member_id=member_id,
            quoted_on=quoted_on,
            valid_until=valid_until,
            lines=lines,
        )

    @property
    def totals(self) -> DocumentTotals:
        return document_totals(self.lines)

    def status_on(self, day: dt.date) -> QuoteStatus:
        """The status a reader sees on `day`: an open quote past its validity date is expired."""
        if self.status in (QuoteStatus.DRAFT, QuoteStatus.SENT) and day > self.valid_until:
            return QuoteStatus.EXPIRED
        return self.status

    def _require(self, day: dt.date, allowed: tuple[QuoteStatus, ...], action: str) -> None:
        current = self.status_on(day)
        if current is QuoteStatus.EXPIRED:
            raise BusinessRuleViolation(
                f"quote {self.number} expired on {self.valid_until.isoformat()}: it cannot be {action}",
                field="valid_until",
            )
        if current not in allowed:
            raise Conflict(f"quote {self.number} is {current.value}: it cannot be {action}")

    def send(self, *, on: dt.date) -> None:
        self._require(on, (QuoteStatus.DRAFT,), "sent")
        self.status = QuoteStatus.SENT
        self.sent_on = on

    def accept(
        self,
        *,
        on: dt.date,
        at: dt.datetime,
        by: str,
        member: MemberView,
        commitment_number: str | None,
        service_code: str | None,
    ) -> MemberIdentity:
        """The acceptance rule, checked in this order: the quote is sent (else 409) and still valid on
        `on` (else 422 `valid_until`); the member adheres on `on` per the read model (422 `member_id`);
        the references the member requires on its invoices are given (422 naming the missing one).

        Returns the buyer as the purchase order must show it: the service code given here wins.
        """
        self._require(on, (QuoteStatus.SENT,), "accepted")
        if not by.strip():
            raise BusinessRuleViolation("who accepts the quote must be recorded", field="accepted_by")
        identity = member.require_active_on(on, field="member_id")
        references = chorus_references(
            identity.chorus_requirement,
            commitment_number=commitment_number,
            given_service_code=service_code,
            member_service_code=identity.service_code,
        )
        self.status = QuoteStatus.ACCEPTED
        self.acceptance = Acceptance(accepted_by=by, accepted_at=at, accepted_on=on, references=references)
        return replace(identity, service_code=references.service_code)

    def refuse(self, *, on: dt.date, reason: str | None) -> None:
        self._require(on, (QuoteStatus.SENT,), "refused")
        self.status = QuoteStatus.REFUSED
        self.refused_on = on
        self.refusal_reason = reason

    def cancel(self, *, on: dt.date) -> None:
        """The syndicate withdraws its offer before the member answered."""
        self._require(on, (QuoteStatus.DRAFT, QuoteStatus.SENT), "cancelled")
        self.status = QuoteStatus.CANCELLED
        self.cancelled_on = on

    def expire(self, *, on: dt.date) -> bool:
        """Record the expiry of an open quote past its validity date; False when there is nothing to
        record (already answered, cancelled or expired, or still valid), so the job is idempotent."""
        if self.status not in (QuoteStatus.DRAFT, QuoteStatus.SENT) or on <= self.valid_until:
            return False
        self.status = QuoteStatus.EXPIRED
        self.expired_on = on
        return True


def format_quote_number(year: int, number: int) -> str:
    return f"DV-{year}-{number:06d}"
