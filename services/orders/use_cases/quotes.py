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
from shared.contracts.orders import QuoteCancelled, QuoteRefused, QuoteSent
from shared.errors import BusinessRuleViolation, NotFound
from shared.numbering import next_number
from shared.uow import UnitOfWork


@dataclass(frozen=True)
class RequestedLine:
    item_code: str
    quantity: Decimal


@dataclass(frozen=True)
class CreateQuote:
    member_id: str
    lines: tuple[RequestedLine, ...]
    valid_until: dt.date
    on: dt.date  # the quote's date: the prices in force that day are frozen in it


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
    await uow.commit()
    return quote


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
) -> list[Quote]:
    return await QuoteRepository(uow.session).list(
        today=today, status=status, member_id=member_id, limit=limit, after=after
    )
