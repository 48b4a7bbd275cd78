"""Acceptance of a quote by the member, and the one purchase order (bon de commande) it produces."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

from services.orders.adapters.member_directory_repository import MemberDirectoryRepository
from services.orders.adapters.purchase_order_repository import PurchaseOrderRepository
from services.orders.adapters.quote_repository import QuoteRepository
from services.orders.adapters.tables import counters
from services.orders.domain.purchase_order import PurchaseOrder, format_po_number
from services.orders.domain.quote import Quote
from services.orders.use_cases.events import purchase_order_issued, quote_accepted
from shared.errors import NotFound
from shared.numbering import next_number
from shared.uow import UnitOfWork

PO_SERIES = "purchase_orders"


@dataclass(frozen=True)
class AcceptQuote:
    quote_id: str
    accepted_by: str
    commitment_number: str | None
    service_code: str | None
    at: dt.datetime  # the instant of acceptance, UTC
    on: dt.date  # its civil date in Paris: validity and adhesion are judged on it


async def accept_quote(command: AcceptQuote, uow: UnitOfWork) -> tuple[Quote, PurchaseOrder]:
    """In one transaction: the quote is accepted (rule: `Quote.accept`), exactly one PO is issued with
    the next number of its gapless yearly series, and `orders.quote.accepted` and
    `orders.purchase_order.issued` are emitted.

    The quote row is locked first: a concurrent acceptance waits, then finds it accepted (409); the
    unique PO-per-quote constraint stands behind the lock.
    """
    quotes = QuoteRepository(uow.session)
    quote = await quotes.get(command.quote_id, for_update=True)
    if quote is None:
        raise NotFound(f"no quote {command.quote_id}")
    member = await MemberDirectoryRepository(uow.session).get(quote.member_id)
    buyer = quote.accept(
        on=command.on,
        at=command.at,
        by=command.accepted_by,
        member=member,
        commitment_number=command.commitment_number,
        service_code=command.service_code,
    )
    sequence = await next_number(uow.session, counters, PO_SERIES, command.on.year)
    order = PurchaseOrder.for_accepted_quote(
        id=str(uuid.uuid4()),
        po_number=format_po_number(command.on.year, sequence),
        quote=quote,
        buyer=buyer,
    )
    quote.purchase_order_number = order.po_number
    await quotes.save_state(quote)
    await PurchaseOrderRepository(uow.session).add(order)
    uow.emit(quote_accepted(quote))
    uow.emit(purchase_order_issued(order))
    await uow.commit()
    return quote, order
