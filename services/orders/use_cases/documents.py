"""Printable documents: the quote (devis) as a PDF in French."""

from __future__ import annotations

import datetime as dt

from services.orders.adapters.member_directory_repository import MemberDirectoryRepository
from services.orders.adapters.quote_document import SyndicateIdentity, render_quote_pdf
from services.orders.adapters.quote_repository import QuoteRepository
from shared.errors import NotFound
from shared.uow import UnitOfWork


async def quote_pdf(
    quote_id: str, uow: UnitOfWork, *, syndicate: SyndicateIdentity, today: dt.date
) -> tuple[str, bytes]:
    """The quote with the syndicate's identity and the member's as orders' read model knows it now.
    Returns (quote number, PDF bytes)."""
    quote = await QuoteRepository(uow.session).get(quote_id)
    if quote is None:
        raise NotFound(f"no quote {quote_id}")
    member = (await MemberDirectoryRepository(uow.session).get(quote.member_id)).identity
    return quote.number, render_quote_pdf(quote, member, syndicate, today=today)
