"""Quotes (devis): made from the catalogue at the prices in force on the quote's date, then sent,
refused or cancelled. Acceptance lives in `acceptance.py`."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from decimal import Decimal

from services.orders.adapters.catalogue_repository import CatalogueRepository
from services.orders.adapters.member_directory_repository import MemberDirectoryRepository
from services.orders.adapters.quote_repository import QuoteRepository
from services.orders.adapters.tables import counters
from services.orders.domain.quote import Quote, QuoteLine, QuoteStatus, format_quote_number
from shared.contracts.orders import QuoteCancelled, QuoteExpired, QuoteRefused, QuoteSent
from shared.errors import BusinessRuleViolation, NotFound
from shared.numbering import next_number
from shared.uow import UnitOfWork


@dataclass(frozen=True)
class RequestedLine:
    """A catalogue line (`item_code`), or a specific support line (no code: `label`, and the half-day
    rate in `unit_price`, the configured rate when None)."""

    item_code: str | None
    quantity: Decimal
    label: str | None = None
    unit_price: Decimal | None = None


@dataclass(frozen=True)
class SpecificSupportTerms:
    half_day_rate: Decimal
    legal_basis: str


@dataclass(frozen=True)
class CreateQuote:
    member_id: str
    lines: tuple[RequestedLine, ...]
    valid_until: dt.date
    on: dt.date  # the quote's date: the prices in force that day are frozen in it
    specific_support: SpecificSupportTerms | None = None


@dataclass(frozen=True)
class SendQuote:
    quote_id: str
    on: dt.date


@dataclass(frozen=True)
class RefuseQuote:
    quote_id: str
    on: dt.date
    reason: str | None = None


@dataclass(frozen=True)
class CancelQuote:
    quote_id: str
    on: dt.date


async def create_quote(command: CreateQuote, uow: UnitOfWork) -> Quote:
    """A draft for a member that adheres on the quote's date, with each line at the price in force."""
    member = await MemberDirectoryRepository(uow.session).get(command.member_id)
    member.require_active_on(command.on, field="member_id")
    catalogue = CatalogueRepository(uow.session)
    lines: list[QuoteLine] = []
    for index, requested in enumerate(command.lines):
        if requested.item_code is None:
            lines.append(_specific_support_line(index, requested, command))
            continue
        item = await catalogue.in_force(requested.item_code, command.on)
        if item is None:
            raise BusinessRuleViolation(
                f"no catalogue item {requested.item_code!r} has a price on {command.on.isoformat()}",
                field=f"lines.{index}.item_code",
            )
        lines.append(
            QuoteLine.from_catalogue(index + 1, item, requested.quantity, field=f"lines.{index}.quantity")
        )
    # Validate before drawing a number, so a refused quote does not consume one.
    quote = Quote.draft(
        id=str(uuid.uuid4()),
        number="",
        member_id=command.member_id,
        quoted_on=command.on,
        valid_until=command.valid_until,
        lines=lines,
    )
    sequence = await next_number(uow.session, counters, "quotes", command.on.year)
    quote.number = format_quote_number(command.on.year, sequence)
    await QuoteRepository(uow.session).add(quote)
    uow.record("orders.quote.created", "quote", quote.id, after=quote)
    await uow.commit()
    return quote


def _specific_support_line(index: int, requested: RequestedLine, command: CreateQuote) -> QuoteLine:
    terms = command.specific_support
    if terms is None:
        raise BusinessRuleViolation(
            "specific support is not quoted by this service", field=f"lines.{index}.item_code"
        )
    if requested.label is None:
        raise BusinessRuleViolation(
            "a line needs a catalogue code, or a label for specific support", field=f"lines.{index}.item_code"
        )
    return QuoteLine.specific_support(
        index + 1,
        label=requested.label,
        quantity=requested.quantity,
        half_day_rate=requested.unit_price if requested.unit_price is not None else terms.half_day_rate,
        legal_basis=terms.legal_basis,
        on=command.on,
        field=f"lines.{index}",
    )


async def expire_quotes(today: dt.date, uow: UnitOfWork, *, batch: int = 200) -> int:
    """The expiry job's one run (idempotent): every open quote past its validity date on `today` is
    recorded as expired and `orders.quote.expired` emitted, once per quote whatever runs concurrently
    (rows are locked; another run skips them, then finds them expired)."""
    repository = QuoteRepository(uow.session)
    expired = 0
    for quote in await repository.lock_expirable(today, limit=batch):
        if quote.expire(on=today):
            await repository.save_state(quote)
            uow.emit(
                QuoteExpired(
                    quote_id=quote.id,
                    quote_number=quote.number,
                    member_id=quote.member_id,
                    valid_until=quote.valid_until,
                    expired_on=today,
                )
            )
            expired += 1
    await uow.commit()
    return expired


async def _locked(quote_id: str, uow: UnitOfWork) -> Quote:
    quote = await QuoteRepository(uow.session).get(quote_id, for_update=True)
    if quote is None:
        raise NotFound(f"no quote {quote_id}")
    return quote


async def send_quote(command: SendQuote, uow: UnitOfWork) -> Quote:
    quote = await _locked(command.quote_id, uow)
    quote.send(on=command.on)
    await QuoteRepository(uow.session).save_state(quote)
    totals = quote.totals
    uow.emit(
        QuoteSent(
            quote_id=quote.id,
            quote_number=quote.number,
            member_id=quote.member_id,
            sent_on=command.on,
            valid_until=quote.valid_until,
            total_excl_tax=totals.total_excl_tax,
            total_incl_tax=totals.total_incl_tax,
        )
    )
    await uow.commit()
    return quote


async def refuse_quote(command: RefuseQuote, uow: UnitOfWork) -> Quote:
    quote = await _locked(command.quote_id, uow)
    quote.refuse(on=command.on, reason=command.reason)
    await QuoteRepository(uow.session).save_state(quote)
    uow.emit(
        QuoteRefused(
            quote_id=quote.id,
            quote_number=quote.number,
            member_id=quote.member_id,
            refused_on=command.on,
            reason=command.reason,
        )
    )
    await uow.commit()
    return quote


async def cancel_quote(command: CancelQuote, uow: UnitOfWork) -> Quote:
    quote = await _locked(command.quote_id, uow)
    quote.cancel(on=command.on)
    await QuoteRepository(uow.session).save_state(quote)
    uow.emit(
        QuoteCancelled(
            quote_id=quote.id, quote_number=quote.number, member_id=quote.member_id, cancelled_on=command.on
        )
    )
    await uow.commit()
    return quote


async def get_quote(quote_id: str, uow: UnitOfWork) -> Quote:
    quote = await QuoteRepository(uow.session).get(quote_id)
    if quote is None:
        raise NotFound(f"no quote {quote_id}")
    return quote


async def list_quotes(
    uow: UnitOfWork,
    *,
    today: dt.date,
    status: QuoteStatus | None,
    member_id: str | None,
    limit: int,
    after: str | None,
    quoted_from: dt.date | None = None,
    quoted_to: dt.date | None = None,
) -> list[Quote]:
    return await QuoteRepository(uow.session).list(
        today=today,
        status=status,
        member_id=member_id,
        limit=limit,
        after=after,
        quoted_from=quoted_from,
        quoted_to=quoted_to,
    )
