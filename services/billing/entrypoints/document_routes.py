"""HTTP routes for the files of invoices and credit notes, credit notes themselves, member statements."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Query, status
from fastapi.responses import Response

from services.billing.domain.credit_note import CreditRequest
from services.billing.domain.documents import Seller
from services.billing.entrypoints.schemas import CreditNoteIn, CreditNoteOut, StatementEntryOut, StatementOut
from services.billing.entrypoints.views import credit_note_out
from services.billing.use_cases import credit_notes, documents, queries, statements
from services.billing.use_cases.documents import DocumentFormat, RenderedDocument
from shared.clock import paris_today
from shared.runtime import ServiceRuntime
from shared.security.dependencies import CurrentPrincipal
from shared.security.isolation import ensure_member_owns, owned_or_404
from shared.security.principal import Principal
from shared.uow import UnitOfWork


def _file(rendered: RenderedDocument) -> Response:
    return Response(
        rendered.content,
        media_type=rendered.media_type,
        headers={"Content-Disposition": f'inline; filename="{rendered.filename}"'},
    )


async def _own_invoice(principal: Principal, invoice_id: str, uow: UnitOfWork) -> None:
    """404 for a member's token reaching for another member's invoice (or a missing one)."""
    if principal.is_member:
        await owned_or_404(
            principal, queries.get_member_invoice(invoice_id, uow), lambda i: i.member_id, what="invoice"
        )


async def _own_credit_note(principal: Principal, credit_note_id: str, uow: UnitOfWork) -> None:
    if principal.is_member:
        await owned_or_404(
            principal,
            credit_notes.get_credit_note(credit_note_id, uow),
            lambda n: n.member_id,
            what="credit note",
        )


def build_document_router(runtime: ServiceRuntime, seller: Seller) -> APIRouter:
    router = APIRouter(prefix="/v1", tags=["billing"])

    for fmt in DocumentFormat:
        _document_routes(router, runtime, seller, fmt)

    @router.post(
        "/invoices/{invoice_id}/credit-notes",
        status_code=status.HTTP_201_CREATED,
        response_model=CreditNoteOut,
        summary="Issue a credit note (avoir) on an invoice: full, by lines or by amount, never beyond it",
    )
    async def issue_credit_note(invoice_id: str, body: CreditNoteIn) -> CreditNoteOut:
        request = CreditRequest(
            reason=body.reason,
            lines=tuple((line.line_no, line.quantity) for line in body.lines)
            if body.lines is not None
            else None,
            amount=body.amount,
            vat_category=body.vat_category,
            vat_rate=body.vat_rate,
        )
        async with runtime.unit_of_work() as uow:
            note = await credit_notes.issue_credit_note(
                credit_notes.IssueCreditNote(invoice_id, request, paris_today()), uow
            )
        return credit_note_out(note)

    @router.get("/invoices/{invoice_id}/credit-notes", response_model=list[CreditNoteOut])
    async def list_credit_notes(invoice_id: str, principal: CurrentPrincipal) -> list[CreditNoteOut]:
        async with runtime.unit_of_work() as uow:
            await _own_invoice(principal, invoice_id, uow)
            return [credit_note_out(n) for n in await credit_notes.credit_notes_of_invoice(invoice_id, uow)]

    @router.get("/credit-notes/{credit_note_id}", response_model=CreditNoteOut, summary="A credit note")
    async def read_credit_note(credit_note_id: str, principal: CurrentPrincipal) -> CreditNoteOut:
        async with runtime.unit_of_work() as uow:
            note = await owned_or_404(
                principal,
                credit_notes.get_credit_note(credit_note_id, uow),
                lambda n: n.member_id,
                what="credit note",
            )
        return credit_note_out(note)

    @router.get(
        "/members-statements/{member_id}",
        response_model=StatementOut,
        summary="A member's invoices, credit notes and balance over a period (amounts including tax)",
    )
    async def member_statement(
        member_id: str,
        principal: CurrentPrincipal,
        period_from: Annotated[dt.date, Query(alias="from")],
        period_to: Annotated[dt.date, Query(alias="to")],
    ) -> StatementOut:
        ensure_member_owns(principal, member_id, what="member")
        async with runtime.unit_of_work() as uow:
            statement = await statements.member_statement(member_id, period_from, period_to, uow)
        return StatementOut(
            member_id=statement.member_id,
            period_from=statement.start,
            period_to=statement.end,
            opening_balance=statement.opening_balance,
            entries=[StatementEntryOut(**entry.__dict__) for entry in statement.entries],
            total_debit=statement.total_debit,
            total_credit=statement.total_credit,
            closing_balance=statement.closing_balance,
            payments_included=False,
        )

    return router


def _document_routes(router: APIRouter, runtime: ServiceRuntime, seller: Seller, fmt: DocumentFormat) -> None:
    what = {
        DocumentFormat.FACTURX: "Factur-X (PDF/A-3 with its CII XML, profile EN16931)",
        DocumentFormat.CII: "UN/CEFACT CII XML (EN 16931)",
        DocumentFormat.UBL: "UBL 2.1 XML (EN 16931)",
    }[fmt]

    @router.get(f"/invoices/{{invoice_id}}/{fmt.value}", summary=f"The invoice as {what}")
    async def invoice_file(invoice_id: str, principal: CurrentPrincipal) -> Response:
        async with runtime.unit_of_work() as uow:
            await _own_invoice(principal, invoice_id, uow)
            return _file(await documents.render_invoice(invoice_id, fmt, uow, seller))

    @router.get(f"/credit-notes/{{credit_note_id}}/{fmt.value}", summary=f"The credit note as {what}")
    async def credit_note_file(credit_note_id: str, principal: CurrentPrincipal) -> Response:
        async with runtime.unit_of_work() as uow:
            await _own_credit_note(principal, credit_note_id, uow)
            return _file(await documents.render_credit_note(credit_note_id, fmt, uow, seller))
