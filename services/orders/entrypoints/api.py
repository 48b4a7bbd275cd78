"""HTTP routes of the orders service: parse, call the use case, shape the answer.

Prefixes: /v1/catalogue, /v1/quotes, /v1/purchase-orders, /v1/quote-eligibility (never /v1/members:
the embedded mode mounts the three services' routers in one app).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict
from typing import Annotated

from fastapi import APIRouter, Query, status

from services.orders.domain.catalogue import CatalogueItem
from services.orders.domain.quote import QuoteStatus
from services.orders.entrypoints.presenters import catalogue_item_out, purchase_order_out, quote_out
from services.orders.entrypoints.schemas import (
    AcceptanceIn,
    AcceptanceOut,
    CatalogueItemIn,
    CatalogueItemOut,
    CataloguePage,
    PurchaseOrderOut,
    PurchaseOrderPage,
    QuoteEligibilityOut,
    QuoteIn,
    QuoteOut,
    QuotePage,
    RefusalIn,
)
from services.orders.use_cases import acceptance, catalogue, member_directory, purchase_orders, quotes
from shared.clock import paris_date
from shared.db import utcnow
from shared.runtime import ServiceRuntime

Limit = Annotated[int, Query(ge=1, le=200)]
Cursor = Annotated[str | None, Query(max_length=64)]
MemberFilter = Annotated[str | None, Query(max_length=64)]


def business_today() -> dt.date:
    """The civil date in Paris: validity, adhesion and prices are judged on it."""
    return paris_date(utcnow())


def build_router(runtime: ServiceRuntime) -> APIRouter:
    router = APIRouter(prefix="/v1", tags=["orders"])

    @router.post(
        "/catalogue/items",
        status_code=status.HTTP_201_CREATED,
        response_model=CatalogueItemOut,
        summary="Add a catalogue item, or a new price of an item from a date",
    )
    async def add_item(body: CatalogueItemIn) -> CatalogueItemOut:
        item = CatalogueItem(**body.model_dump())
        async with runtime.unit_of_work() as uow:
            return catalogue_item_out(await catalogue.add_catalogue_version(item, uow))

    @router.get(
        "/catalogue/items",
        response_model=CataloguePage,
        summary="The catalogue at the prices in force on a date (today by default)",
    )
    async def list_items(
        on: dt.date | None = None, limit: Limit = 100, cursor: Cursor = None
    ) -> CataloguePage:
        async with runtime.unit_of_work() as uow:
            found = await catalogue.catalogue_in_force(on or business_today(), uow, limit=limit, after=cursor)
        return CataloguePage(
            items=[catalogue_item_out(i) for i in found],
            next_cursor=found[-1].code if len(found) == limit else None,
        )

    @router.post(
        "/quotes",
        status_code=status.HTTP_201_CREATED,
        response_model=QuoteOut,
        summary="Make a draft quote (devis) at today's catalogue prices",
    )
    async def create_quote(body: QuoteIn) -> QuoteOut:
        today = business_today()
        command = quotes.CreateQuote(
            member_id=body.member_id,
            valid_until=body.valid_until,
            on=today,
            lines=tuple(quotes.RequestedLine(line.item_code, line.quantity) for line in body.lines),
        )
        async with runtime.unit_of_work() as uow:
            return quote_out(await quotes.create_quote(command, uow), today)

    @router.post("/quotes/{quote_id}/send", response_model=QuoteOut, summary="Send the quote to the member")
    async def send_quote(quote_id: str) -> QuoteOut:
        today = business_today()
        async with runtime.unit_of_work() as uow:
            return quote_out(await quotes.send_quote(quotes.SendQuote(quote_id, today), uow), today)

    @router.post(
        "/quotes/{quote_id}/accept",
        response_model=AcceptanceOut,
        summary="The member accepts the quote: one purchase order is issued",
    )
    async def accept_quote(quote_id: str, body: AcceptanceIn) -> AcceptanceOut:
        now = utcnow()
        command = acceptance.AcceptQuote(quote_id=quote_id, at=now, on=paris_date(now), **body.model_dump())
        async with runtime.unit_of_work() as uow:
            quote, order = await acceptance.accept_quote(command, uow)
        return AcceptanceOut(quote=quote_out(quote, command.on), purchase_order=purchase_order_out(order))

    @router.post("/quotes/{quote_id}/refuse", response_model=QuoteOut, summary="The member refuses the quote")
    async def refuse_quote(quote_id: str, body: RefusalIn | None = None) -> QuoteOut:
        today = business_today()
        command = quotes.RefuseQuote(quote_id, today, body.reason if body else None)
        async with runtime.unit_of_work() as uow:
            return quote_out(await quotes.refuse_quote(command, uow), today)

    @router.post(
        "/quotes/{quote_id}/cancel",
        response_model=QuoteOut,
        summary="The syndicate withdraws the quote before the member answered",
    )
    async def cancel_quote(quote_id: str) -> QuoteOut:
        today = business_today()
        async with runtime.unit_of_work() as uow:
            return quote_out(await quotes.cancel_quote(quotes.CancelQuote(quote_id, today), uow), today)

    @router.get("/quotes/{quote_id}", response_model=QuoteOut, summary="Read a quote")
    async def read_quote(quote_id: str) -> QuoteOut:
        async with runtime.unit_of_work() as uow:
            return quote_out(await quotes.get_quote(quote_id, uow), business_today())

    @router.get("/quotes", response_model=QuotePage, summary="List quotes by status and member, by number")
    async def list_quotes(
        status: QuoteStatus | None = None,
        member_id: MemberFilter = None,
        limit: Limit = 50,
        cursor: Cursor = None,
    ) -> QuotePage:
        today = business_today()
        async with runtime.unit_of_work() as uow:
            found = await quotes.list_quotes(
                uow, today=today, status=status, member_id=member_id, limit=limit, after=cursor
            )
        return QuotePage(
            items=[quote_out(q, today) for q in found],
            next_cursor=found[-1].number if len(found) == limit else None,
        )

    @router.get(
        "/purchase-orders/{po_number}",
        response_model=PurchaseOrderOut,
        summary="Read a purchase order (bon de commande) with its history",
    )
    async def read_purchase_order(po_number: str) -> PurchaseOrderOut:
        async with runtime.unit_of_work() as uow:
            return purchase_order_out(await purchase_orders.get_purchase_order(po_number, uow))

    @router.get(
        "/purchase-orders",
        response_model=PurchaseOrderPage,
        summary="List purchase orders by member, by number",
    )
    async def list_purchase_orders(
        member_id: MemberFilter = None, limit: Limit = 50, cursor: Cursor = None
    ) -> PurchaseOrderPage:
        async with runtime.unit_of_work() as uow:
            found = await purchase_orders.list_purchase_orders(
                uow, member_id=member_id, limit=limit, after=cursor
            )
        return PurchaseOrderPage(
            items=[purchase_order_out(o) for o in found],
            next_cursor=found[-1].po_number if len(found) == limit else None,
        )

    @router.get(
        "/quote-eligibility/{member_id}",
        response_model=QuoteEligibilityOut,
        summary="What orders' read model knows of a member on a date (today by default)",
    )
    async def quote_eligibility(member_id: str, on: dt.date | None = None) -> QuoteEligibilityOut:
        async with runtime.unit_of_work() as uow:
            found = await member_directory.quote_eligibility(member_id, on or business_today(), uow)
        return QuoteEligibilityOut(**asdict(found))

    return router
