"""HTTP routes of the Chorus Pro transmission: the connector API (list, claim, report) and staff's
answers to Chorus's returns (fix the routing, add documents, replace a rejected invoice)."""

from __future__ import annotations

import base64
import binascii
import datetime as dt
from enum import StrEnum
from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import Response

from services.billing.adapters.chorus_transmissions import TransmissionRepository
from services.billing.domain.chorus_status import Routing, Stage, StatusReport, Transmission
from services.billing.domain.documents import Seller, invoice_document
from services.billing.entrypoints.chorus_schemas import (
    ClaimIn,
    ClaimOut,
    DocumentsIn,
    ExchangeOut,
    HistoryEntryOut,
    OutcomeIn,
    ReplacedOut,
    ReplaceIn,
    RoutingIn,
    StatusReportsIn,
    TransmissionOut,
    WaitingInvoiceOut,
)
from services.billing.use_cases import transmission
from services.billing.use_cases.documents import DocumentFormat, render
from shared.clock import paris_today
from shared.errors import BusinessRuleViolation, NotFound
from shared.runtime import ServiceRuntime
from shared.security.dependencies import CurrentPrincipal

PREFIX = "/v1/chorus/transmissions"


class StaffStage(StrEnum):
    BLOCKED = Stage.BLOCKED.value
    TO_RECYCLE = Stage.TO_RECYCLE.value
    SUSPENDED = Stage.SUSPENDED.value
    REJECTED = Stage.REJECTED.value


def _facturx_url(invoice_id: str) -> str:
    return f"{PREFIX}/{invoice_id}/facturx.pdf"


def _actor(principal_name: str, role: str) -> str:
    return f"{role}:{principal_name}"


def build_chorus_router(runtime: ServiceRuntime, seller: Seller, *, lease: dt.timedelta) -> APIRouter:
    router = APIRouter(prefix=PREFIX, tags=["chorus-pro"])

    async def view(invoice_id: str) -> TransmissionOut:
        async with runtime.unit_of_work() as uow:
            t, history, exchanges = await transmission.transmission_view(invoice_id, uow)
        return _transmission_out(t, history, exchanges)

    @router.get("", response_model=list[WaitingInvoiceOut], summary="Invoices waiting for transmission")
    async def list_waiting(limit: Annotated[int, Query(ge=1, le=200)] = 50) -> list[WaitingInvoiceOut]:
        """What a connector may claim, in number order: never transmitted, waiting again (after a routing
        fix or with documents to send), or held by a claim whose lease ran out."""
        async with runtime.unit_of_work() as uow:
            rows = await transmission.waiting_invoices(uow, limit)
        return [
            WaitingInvoiceOut(
                invoice_id=str(r["id"]),
                number=r["number"],
                member_id=r["member_id"],
                issue_date=r["issue_date"],
                total_incl_tax=r["total_incl_tax"],
                action=r["action"] or "deposit",
                attempts=r["attempts"] or 0,
                facturx_url=_facturx_url(str(r["id"])),
            )
            for r in rows
        ]

    @router.get(
        "/needing-staff", response_model=list[TransmissionOut], summary="Transmissions staff must act on"
    )
    async def needing_staff(
        stage: Annotated[StaffStage | None, Query(description="Only this stage.")] = None,
        limit: Annotated[int, Query(ge=1, le=200)] = 50,
    ) -> list[TransmissionOut]:
        """Blocked by a check (fix the routing), A_RECYCLER (fix and resend), SUSPENDUE (add documents),
        REJETEE (replace), each with its reason in the history."""
        stages = [Stage(stage.value)] if stage else [Stage(s.value) for s in StaffStage]
        found = []
        async with runtime.unit_of_work() as uow:
            repository = TransmissionRepository(uow.session)
            for wanted in stages:
                for t in await repository.in_stage(wanted, limit):
                    found.append(
                        _transmission_out(
                            t,
                            await repository.history(t.invoice_id),
                            await repository.exchanges(t.invoice_id),
                        )
                    )
        return found[:limit]

    @router.post("/{invoice_id}/claim", response_model=ClaimOut, summary="Claim one invoice to transmit it")
    async def claim(invoice_id: str, body: ClaimIn) -> ClaimOut:
        """Atomic: of two connectors claiming at once, one gets it and the other a 409. The pre-transmission
        checks run first: a failing one blocks the invoice (422, with the reason)."""
        async with runtime.unit_of_work() as uow:
            claimed = await transmission.claim_invoice(
                invoice_id,
                f"connector:{body.connector}",
                uow,
                seller_siret=seller.siret,
                lease=lease,
            )
        async with runtime.unit_of_work() as uow:
            documents = await TransmissionRepository(uow.session).unsent_documents(invoice_id)
        t, routing = claimed.transmission, claimed.routing
        assert t.claim_id is not None and t.lease_until is not None
        return ClaimOut(
            invoice_id=t.invoice_id,
            number=t.invoice_number,
            claim_id=t.claim_id,
            action=t.action.value,
            lease_until=t.lease_until,
            facturx_url=_facturx_url(t.invoice_id),
            filename=f"{t.invoice_number}.pdf",
            buyer_siret=routing.buyer_siret,
            service_code=routing.service_code,
            commitment_number=routing.commitment_number,
            document_urls=[f"{PREFIX}/{invoice_id}/documents/{d.id}" for d in documents],
        )

    @router.get("/{invoice_id}/facturx.pdf", summary="The Factur-X to deposit (the routing actually sent)")
    async def facturx(invoice_id: str) -> Response:
        async with runtime.unit_of_work() as uow:
            invoice = await transmission.invoice_to_transmit(invoice_id, uow)
        rendered = render(invoice_document(invoice, seller), DocumentFormat.FACTURX)
        return Response(
            rendered.content,
            media_type=rendered.media_type,
            headers={"Content-Disposition": f'inline; filename="{rendered.filename}"'},
        )

    @router.get("/{invoice_id}/documents/{document_id}", summary="A document added to a suspended invoice")
    async def document(invoice_id: str, document_id: str) -> Response:
        async with runtime.unit_of_work() as uow:
            documents = await TransmissionRepository(uow.session).unsent_documents(invoice_id)
        for d in documents:
            if str(d.id) == document_id:
                return Response(d.content, media_type=d.media_type)
        raise NotFound(f"no document {document_id} to send for invoice {invoice_id}")

    @router.post("/{invoice_id}/outcome", response_model=TransmissionOut, summary="Report a claim's outcome")
    async def outcome(invoice_id: str, body: OutcomeIn, principal: CurrentPrincipal) -> TransmissionOut:
        """deposited (with the flow number), completed (documents sent), or failed (the invoice waits
        again, `retry_after_s` later). Only the holder of the claim may report."""
        async with runtime.unit_of_work() as uow:
            await transmission.record_outcome(
                transmission.ReportOutcome(
                    invoice_id=invoice_id,
                    claim_id=body.claim_id,
                    outcome=body.outcome,
                    actor=_actor(principal.name, principal.role.value),
                    flux_number=body.flux_number,
                    at=body.at,
                    chorus_invoice_id=body.chorus_invoice_id,
                    reason=body.reason,
                    retry_after=dt.timedelta(seconds=body.retry_after_s) if body.retry_after_s else None,
                ),
                uow,
            )
        return await view(invoice_id)

    @router.post("/{invoice_id}/statuses", response_model=TransmissionOut, summary="Report Chorus statuses")
    async def statuses(
        invoice_id: str, body: StatusReportsIn, principal: CurrentPrincipal
    ) -> TransmissionOut:
        """Each status with its time and comment. Twice the same or out of order: harmless. Unknown
        invoice: 404; impossible (never deposited, after a final rejection...): 409, nothing applied."""
        async with runtime.unit_of_work() as uow:
            await transmission.report_statuses(
                invoice_id,
                [StatusReport(s.status, s.at, s.comment) for s in body.statuses],
                _actor(principal.name, principal.role.value),
                uow,
                chorus_invoice_id=body.chorus_invoice_id,
            )
            await uow.commit()
        return await view(invoice_id)

    @router.get(
        "/{invoice_id}", response_model=TransmissionOut, summary="An invoice's transmission and history"
    )
    async def read(invoice_id: str) -> TransmissionOut:
        return await view(invoice_id)

    @router.post("/{invoice_id}/routing", response_model=TransmissionOut, summary="Fix routing (A_RECYCLER)")
    async def fix_routing(invoice_id: str, body: RoutingIn, principal: CurrentPrincipal) -> TransmissionOut:
        """After A_RECYCLER or a failed check: the corrected SIRET, service code and commitment number;
        the invoice is sent again under the same number."""
        async with runtime.unit_of_work() as uow:
            await transmission.fix_routing(
                invoice_id,
                Routing(body.buyer_siret, body.service_code or None, body.commitment_number or None),
                body.reason,
                _actor(principal.name, principal.role.value),
                uow,
            )
        return await view(invoice_id)

    @router.post(
        "/{invoice_id}/documents", response_model=TransmissionOut, summary="Add documents (SUSPENDUE)"
    )
    async def add_documents(
        invoice_id: str, body: DocumentsIn, principal: CurrentPrincipal
    ) -> TransmissionOut:
        files = []
        for index, d in enumerate(body.documents):
            try:
                files.append((d.filename, d.media_type, base64.b64decode(d.content_base64, validate=True)))
            except (binascii.Error, ValueError):
                raise BusinessRuleViolation("not base64", field=f"documents.{index}.content_base64") from None
        async with runtime.unit_of_work() as uow:
            await transmission.add_documents(
                invoice_id, files, body.comment, _actor(principal.name, principal.role.value), uow
            )
        return await view(invoice_id)

    @router.post("/{invoice_id}/replace", response_model=ReplacedOut, summary="Replace a rejected invoice")
    async def replace(invoice_id: str, body: ReplaceIn, principal: CurrentPrincipal) -> ReplacedOut:
        """After REJETEE: a credit note of the whole invoice and a new invoice with a new number."""
        async with runtime.unit_of_work() as uow:
            note_number, new = await transmission.replace_rejected(
                invoice_id, body.reason, paris_today(), _actor(principal.name, principal.role.value), uow
            )
        return ReplacedOut(
            rejected_invoice_id=invoice_id,
            credit_note_number=note_number,
            new_invoice_id=new.id,
            new_invoice_number=str(new.number),
        )

    return router


def _transmission_out(t: Transmission, history: list, exchanges: list) -> TransmissionOut:  # type: ignore[type-arg]
    routing = t.routing_override
    return TransmissionOut(
        invoice_id=t.invoice_id,
        number=t.invoice_number,
        member_id=t.member_id,
        stage=t.stage.value,
        action=t.action.value,
        chorus_status=t.chorus_status.value if t.chorus_status else None,
        blocked_reason=t.blocked_reason,
        claimed_by=t.claimed_by,
        attempts=t.attempts,
        flux_number=t.flux_number,
        chorus_invoice_id=t.chorus_invoice_id,
        made_available_on=t.made_available_on,
        due_date=t.due_date,
        routing_override=routing.__dict__ if routing else None,
        replaced_by=t.replaced_by,
        history=[
            HistoryEntryOut(
                recorded_at=h.recorded_at,
                kind=h.kind,
                status=h.status,
                status_at=h.status_at,
                detail=h.detail,
                actor=h.actor,
            )
            for h in history
        ],
        exchanges=[
            ExchangeOut(
                at=e.at,
                operation=e.operation,
                http_status=e.http_status,
                outcome=e.outcome,
                duration_ms=e.duration_ms,
            )
            for e in exchanges
        ],
    )
