"""HTTP routes of the orders service: parse, call the use case, shape the answer.

Prefixes: /v1/catalogue, /v1/quotes, /v1/purchase-orders, /v1/quote-eligibility, /v1/contractor (never
/v1/members: the embedded mode mounts the three services' routers in one app).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response, status
from fastapi.responses import JSONResponse

from services.orders.adapters.quote_document import SyndicateIdentity
from services.orders.config import OrdersSettings
from services.orders.domain.catalogue import CatalogueItem, CatalogueSource
from services.orders.domain.purchase_order import PurchaseOrderStatus
from services.orders.domain.quote import Quote, QuoteStatus
from services.orders.entrypoints.jobs import OrdersJobs
from services.orders.entrypoints.presenters import (
    attestation_out,
    catalogue_item_out,
    import_out,
    purchase_order_out,
    quote_out,
)
from services.orders.entrypoints.schemas import (
    AcceptanceIn,
    AcceptanceOut,
    AcknowledgementIn,
    AttestationIn,
    AttestationResultOut,
    CancellationIn,
    CatalogueImportOut,
    CatalogueItemIn,
    CatalogueItemOut,
    CataloguePage,
    ClosingIn,
    PurchaseOrderOut,
    PurchaseOrderPage,
    QuoteEligibilityOut,
    QuoteIn,
    QuoteOut,
    QuotePage,
    RefusalIn,
)
from services.orders.use_cases import (
    acceptance,
    catalogue,
    catalogue_import,
    documents,
    member_directory,
    purchase_orders,
    quotes,
)
from shared.clock import paris_date
from shared.db import utcnow
from shared.errors import BusinessRuleViolation
from shared.http.problems import problem
from shared.runtime import ServiceRuntime
from shared.security.dependencies import CurrentPrincipal
from shared.security.isolation import member_filter, owned_or_404
from shared.security.principal import Principal
from shared.uow import UnitOfWork

Limit = Annotated[int, Query(ge=1, le=200)]
Cursor = Annotated[str | None, Query(max_length=64)]
MemberFilter = Annotated[str | None, Query(max_length=64)]


def business_today() -> dt.date:
    """The civil date in Paris: validity, adhesion and prices are judged on it."""
    return paris_date(utcnow())


async def _own_quote(principal: Principal, quote_id: str, uow: UnitOfWork) -> Quote:
    """The quote, when the principal may see it: a member's token gets 404 for another member's."""
    return await owned_or_404(principal, quotes.get_quote(quote_id, uow), lambda q: q.member_id, what="quote")


def build_router(runtime: ServiceRuntime, settings: OrdersSettings, jobs: OrdersJobs) -> APIRouter:
    router = APIRouter(prefix="/v1", tags=["orders"])
    syndicate = SyndicateIdentity(
        name=settings.syndicate_name,
        siren=settings.syndicate_siren,
        siret=settings.syndicate_siret,
        address_lines=tuple(part.strip() for part in settings.syndicate_address.split("|") if part.strip()),
        contact=settings.syndicate_contact,
    )

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
            lines=tuple(
                quotes.RequestedLine(line.item_code, line.quantity, line.label, line.unit_price)
                for line in body.lines
            ),
            specific_support=quotes.SpecificSupportTerms(
                half_day_rate=settings.half_day_rate, legal_basis=settings.specific_support_basis
            ),
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
    async def accept_quote(quote_id: str, body: AcceptanceIn, principal: CurrentPrincipal) -> AcceptanceOut:
        now = utcnow()
        command = acceptance.AcceptQuote(quote_id=quote_id, at=now, on=paris_date(now), **body.model_dump())
        async with runtime.unit_of_work() as uow:
            await _own_quote(principal, quote_id, uow)
            quote, order = await acceptance.accept_quote(command, uow)
        return AcceptanceOut(quote=quote_out(quote, command.on), purchase_order=purchase_order_out(order))

    @router.post("/quotes/{quote_id}/refuse", response_model=QuoteOut, summary="The member refuses the quote")
    async def refuse_quote(
        quote_id: str, principal: CurrentPrincipal, body: RefusalIn | None = None
    ) -> QuoteOut:
        today = business_today()
        command = quotes.RefuseQuote(quote_id, today, body.reason if body else None)
        async with runtime.unit_of_work() as uow:
            await _own_quote(principal, quote_id, uow)
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
    async def read_quote(quote_id: str, principal: CurrentPrincipal) -> QuoteOut:
        async with runtime.unit_of_work() as uow:
            return quote_out(await _own_quote(principal, quote_id, uow), business_today())

    @router.get("/quotes", response_model=QuotePage, summary="List quotes by status and member, by number")
    async def list_quotes(
        principal: CurrentPrincipal,
        status: QuoteStatus | None = None,
        member_id: MemberFilter = None,
        quoted_from: dt.date | None = None,
        quoted_to: dt.date | None = None,
        limit: Limit = 50,
        cursor: Cursor = None,
    ) -> QuotePage:
        today = business_today()
        async with runtime.unit_of_work() as uow:
            found = await quotes.list_quotes(
                uow,
                today=today,
                status=status,
                member_id=member_filter(principal, member_id),
                limit=limit,
                after=cursor,
                quoted_from=quoted_from,
                quoted_to=quoted_to,
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
    async def read_purchase_order(po_number: str, principal: CurrentPrincipal) -> PurchaseOrderOut:
        async with runtime.unit_of_work() as uow:
            order = await owned_or_404(
                principal,
                purchase_orders.get_purchase_order(po_number, uow),
                lambda o: o.member_id,
                what="purchase order",
            )
        return purchase_order_out(order)

    @router.get(
        "/purchase-orders",
        response_model=PurchaseOrderPage,
        summary="List purchase orders by status, member and issue date, by number",
    )
    async def list_purchase_orders(
        principal: CurrentPrincipal,
        status: PurchaseOrderStatus | None = None,
        member_id: MemberFilter = None,
        issued_from: dt.date | None = None,
        issued_to: dt.date | None = None,
        limit: Limit = 50,
        cursor: Cursor = None,
    ) -> PurchaseOrderPage:
        async with runtime.unit_of_work() as uow:
            found = await purchase_orders.list_purchase_orders(
                uow,
                member_id=member_filter(principal, member_id),
                limit=limit,
                after=cursor,
                status=status,
                issued_from=issued_from,
                issued_to=issued_to,
            )
        return PurchaseOrderPage(
            items=[purchase_order_out(o) for o in found],
            next_cursor=found[-1].po_number if len(found) == limit else None,
        )

    @router.post(
        "/purchase-orders/{po_number}/attestations",
        status_code=status.HTTP_201_CREATED,
        response_model=AttestationResultOut,
        summary="Attest that ordered services were done (service fait), all or part",
        description="Quantities are those of this attestation; over all attestations a line never "
        "exceeds its ordered quantity (422 naming the line). Emits `orders.service.attested`.",
    )
    async def attest_service(po_number: str, body: AttestationIn) -> AttestationResultOut:
        now = utcnow()
        command = purchase_orders.AttestService(
            po_number=po_number,
            attested_on=body.attested_on,
            attested_by=body.attested_by,
            lines=tuple((x.line_no, x.quantity) for x in body.lines),
            at=now,
            today=paris_date(now),
        )
        async with runtime.unit_of_work() as uow:
            order, attestation = await purchase_orders.attest_service(command, uow)
        return AttestationResultOut(
            attestation=attestation_out(attestation), purchase_order=purchase_order_out(order)
        )

    @router.post(
        "/purchase-orders/{po_number}/cancel",
        response_model=PurchaseOrderOut,
        summary="Cancel a purchase order the contractor has not acknowledged (compensation event)",
    )
    async def cancel_purchase_order(po_number: str, body: CancellationIn) -> PurchaseOrderOut:
        command = purchase_orders.CancelPurchaseOrder(
            po_number=po_number, cancelled_by=body.cancelled_by, reason=body.reason, at=utcnow()
        )
        async with runtime.unit_of_work() as uow:
            return purchase_order_out(await purchase_orders.cancel_purchase_order(command, uow, jobs.gateway))

    @router.post(
        "/purchase-orders/{po_number}/close",
        response_model=PurchaseOrderOut,
        summary="Close a purchase order: nothing more is expected under it",
    )
    async def close_purchase_order(po_number: str, body: ClosingIn) -> PurchaseOrderOut:
        command = purchase_orders.ClosePurchaseOrder(
            po_number=po_number, closed_by=body.closed_by, reason=body.reason, at=utcnow()
        )
        async with runtime.unit_of_work() as uow:
            return purchase_order_out(await purchase_orders.close_purchase_order(command, uow))

    @router.post(
        "/contractor/acknowledgements",
        response_model=PurchaseOrderOut,
        summary="The contractor acknowledges a purchase order (its callback); idempotent",
    )
    async def acknowledge_purchase_order(body: AcknowledgementIn) -> PurchaseOrderOut:
        command = purchase_orders.AcknowledgePurchaseOrder(
            po_number=body.po_number, contractor_reference=body.contractor_reference, at=utcnow()
        )
        async with runtime.unit_of_work() as uow:
            return purchase_order_out(await purchase_orders.acknowledge_purchase_order(command, uow))

    @router.get(
        "/quotes/{quote_id}/document.pdf",
        response_class=Response,
        responses={200: {"content": {"application/pdf": {}}}},
        summary="The quote as a printable PDF, in French",
    )
    async def quote_document(quote_id: str, principal: CurrentPrincipal) -> Response:
        async with runtime.unit_of_work() as uow:
            await _own_quote(principal, quote_id, uow)
            number, pdf = await documents.quote_pdf(
                quote_id, uow, syndicate=syndicate, today=business_today()
            )
        return Response(
            pdf,
            media_type="application/pdf",
            headers={"Content-Disposition": f'inline; filename="devis-{number}.pdf"'},
        )

    @router.post(
        "/catalogue/imports",
        response_model=CatalogueImportOut,
        summary="Import the BPU or the contractor's catalogue from a CSV file (all or nothing)",
        description="Body: the CSV file itself (`text/csv`, UTF-8, `;`-separated, header line "
        "`code;label;unit;unit_price;vat_category;vat_rate;source;contract_reference;valid_from`). "
        "A refused file answers 422 with the per-line report and imports nothing.",
        openapi_extra={
            "requestBody": {"content": {"text/csv": {"schema": {"type": "string"}}}, "required": True}
        },
    )
    async def import_catalogue(
        request: Request,
        source: CatalogueSource | None = None,
        contract_reference: Annotated[str | None, Query(max_length=100)] = None,
        dry_run: bool = False,
    ) -> Response:
        content = bytearray()
        async for chunk in request.stream():
            content.extend(chunk)
            if len(content) > settings.catalogue_import_max_bytes:
                raise BusinessRuleViolation(
                    f"a catalogue file is at most {settings.catalogue_import_max_bytes} bytes", field="file"
                )
        defaults = catalogue_import.ImportDefaults(source=source, contract_reference=contract_reference)
        try:
            async with runtime.unit_of_work() as uow:
                report = await catalogue_import.import_catalogue(
                    bytes(content), defaults, uow, dry_run=dry_run
                )
        except catalogue_import.CatalogueImportRefused as refused:
            return problem(
                422,
                "catalogue-import-refused",
                "Catalogue file refused",
                refused.detail,
                errors=[
                    {"field": f"line {line.line}", "reason": error}
                    for line in refused.report.lines
                    for error in line.errors
                ],
                instance=request.url.path,
            )
        return JSONResponse(import_out(report, dry_run=dry_run).model_dump(mode="json"))

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
