"""Receiving the contractor's own e-invoice as a file (Factur-X PDF, CII or UBL XML).

The file is kept byte for byte with its SHA-256 before anything else, in its own transaction, so that
a refused upload stays on record for audit too. It is then recognised by its content, parsed into the
same command as the JSON API, and received like any supplier invoice; accepted or refused, the upload
row records the outcome. A refusal writes nothing else.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import uuid
from dataclasses import dataclass

from services.billing.adapters.documents.incoming import UnsupportedFile, detect_format, parse_upload
from services.billing.adapters.supplier_invoices import UploadArchive
from services.billing.domain.matching import MatchingPolicy
from services.billing.domain.supplier_invoice import SupplierInvoice
from services.billing.use_cases.supplier_invoices import SubmitSupplierInvoice, submit_supplier_invoice
from shared.errors import ApplicationError, NotFound
from shared.uow import UnitOfWork, UnitOfWorkFactory


class UploadTooLarge(ApplicationError):
    status = 413
    type_slug = "payload-too-large"
    title = "File too large"


@dataclass(frozen=True)
class UploadSupplierInvoice:
    content: bytes
    filename: str | None
    declared_type: str | None
    received_on: dt.date


@dataclass(frozen=True)
class AcceptedUpload:
    upload_id: str
    sha256: str
    syntax: str
    invoice: SupplierInvoice


async def upload_supplier_invoice(
    command: UploadSupplierInvoice,
    unit_of_work: UnitOfWorkFactory,
    *,
    policy: MatchingPolicy,
    max_bytes: int,
) -> AcceptedUpload:
    upload_id = str(uuid.uuid4())
    sha256 = hashlib.sha256(command.content).hexdigest()
    async with unit_of_work() as uow:
        await UploadArchive(uow.session).keep(
            upload_id=upload_id,
            filename=command.filename,
            declared_type=command.declared_type,
            content=command.content,
            sha256=sha256,
        )
        await uow.commit()
    detected: str | None = None
    try:
        if not command.content:
            raise UnsupportedFile("the file is empty", field="file")
        if len(command.content) > max_bytes:
            raise UploadTooLarge(
                f"the file has {len(command.content)} bytes, the limit is {max_bytes}", field="file"
            )
        detected = detect_format(command.content)
        parsed = parse_upload(command.content)
        detected = parsed.syntax
        async with unit_of_work() as uow:
            invoice = await submit_supplier_invoice(
                SubmitSupplierInvoice(
                    supplier_invoice_number=parsed.number,
                    po_number=parsed.po_number,
                    issue_date=parsed.issue_date,
                    lines=parsed.lines,
                    total_excl_tax=parsed.total_excl_tax,
                    received_on=command.received_on,
                    source="upload",
                    upload_id=upload_id,
                    upload_sha256=sha256,
                ),
                uow,
                policy=policy,
                commit=False,
            )
            await UploadArchive(uow.session).record_outcome(
                upload_id, detected_format=detected, outcome="accepted", supplier_invoice_id=invoice.id
            )
            await uow.commit()
    except ApplicationError as refused:
        async with unit_of_work() as uow:
            await UploadArchive(uow.session).record_outcome(
                upload_id, detected_format=detected, outcome="refused", refusal=refused.detail
            )
            await uow.commit()
        refused.detail = f"{refused.detail} (upload {upload_id} kept for audit, sha256 {sha256})"
        raise
    return AcceptedUpload(upload_id=upload_id, sha256=sha256, syntax=detected, invoice=invoice)


@dataclass(frozen=True)
class StoredUpload:
    id: str
    received_at: dt.datetime
    filename: str | None
    declared_type: str | None
    detected_format: str | None
    size: int
    sha256: str
    outcome: str
    refusal: str | None
    supplier_invoice_id: str | None
    content: bytes


async def get_upload(upload_id: str, uow: UnitOfWork) -> StoredUpload:
    row = await UploadArchive(uow.session).get(upload_id)
    if row is None:
        raise NotFound(f"no upload {upload_id}")
    return StoredUpload(
        id=str(row["id"]),
        received_at=row["received_at"],
        filename=row["filename"],
        declared_type=row["declared_type"],
        detected_format=row["detected_format"],
        size=row["size"],
        sha256=row["sha256"],
        outcome=row["outcome"],
        refusal=row["refusal"],
        supplier_invoice_id=str(row["supplier_invoice_id"]) if row["supplier_invoice_id"] else None,
        content=bytes(row["content"]),
    )
