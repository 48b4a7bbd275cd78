"""HTTP routes for the contractor's e-invoice uploads and the staff decisions on exceptions."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, File, UploadFile, status
from fastapi.responses import Response

from services.billing.domain.matching import MatchingPolicy
from services.billing.entrypoints.schemas import DecisionIn, SupplierInvoiceOut, UploadOut
from services.billing.entrypoints.views import supplier_invoice_out
from services.billing.use_cases import supplier_invoices, uploads
from services.billing.use_cases.supplier_invoices import SupplierInvoiceView
from shared.clock import paris_today
from shared.runtime import ServiceRuntime


def build_supplier_router(runtime: ServiceRuntime, policy: MatchingPolicy, *, max_bytes: int) -> APIRouter:
    router = APIRouter(prefix="/v1/supplier-invoices", tags=["billing"])

    @router.post(
        "/upload",
        status_code=status.HTTP_201_CREATED,
        response_model=SupplierInvoiceOut,
        summary="Receive the contractor's own e-invoice file (Factur-X PDF, CII or UBL XML)",
        description=(
            "Recognised by its content, not its name. The PO number (BT-13) is mandatory. The file is "
            "kept byte for byte with its SHA-256 whether accepted or refused; a refusal names the upload."
        ),
    )
    async def upload_supplier_invoice(file: Annotated[UploadFile, File()]) -> SupplierInvoiceOut:
        content = await file.read()
        accepted = await uploads.upload_supplier_invoice(
            uploads.UploadSupplierInvoice(
                content=content,
                filename=file.filename,
                declared_type=file.content_type,
                received_on=paris_today(),
            ),
            runtime.unit_of_work,
            policy=policy,
            max_bytes=max_bytes,
        )
        return supplier_invoice_out(SupplierInvoiceView(accepted.invoice, None))

    @router.get("/uploads/{upload_id}", response_model=UploadOut, summary="An uploaded file's audit record")
    async def read_upload(upload_id: str) -> UploadOut:
        async with runtime.unit_of_work() as uow:
            stored = await uploads.get_upload(upload_id, uow)
        return UploadOut(**{k: v for k, v in stored.__dict__.items() if k != "content"})

    @router.get("/uploads/{upload_id}/content", summary="The uploaded file, byte for byte")
    async def read_upload_content(upload_id: str) -> Response:
        async with runtime.unit_of_work() as uow:
            stored = await uploads.get_upload(upload_id, uow)
        return Response(
            stored.content,
            media_type="application/octet-stream",
            headers={"X-Content-SHA256": stored.sha256},
        )

    @router.post(
        "/{invoice_id}/approve",
        response_model=SupplierInvoiceOut,
        summary="Approve an exception with a written reason: it is then rebilled like a matched invoice",
    )
    async def approve(invoice_id: str, body: DecisionIn) -> SupplierInvoiceOut:
        command = supplier_invoices.DecideOnException(invoice_id, body.reason, body.decided_by)
        async with runtime.unit_of_work() as uow:
            invoice = await supplier_invoices.approve_exception(command, uow)
        return supplier_invoice_out(SupplierInvoiceView(invoice, None))

    @router.post(
        "/{invoice_id}/dispute",
        response_model=SupplierInvoiceOut,
        summary="Dispute an exception: not paid nor rebilled, the contractor must send a credit note",
    )
    async def dispute(invoice_id: str, body: DecisionIn) -> SupplierInvoiceOut:
        command = supplier_invoices.DecideOnException(invoice_id, body.reason, body.decided_by)
        async with runtime.unit_of_work() as uow:
            invoice = await supplier_invoices.dispute_exception(command, uow)
        return supplier_invoice_out(SupplierInvoiceView(invoice, None))

    return router
