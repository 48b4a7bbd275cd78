"""The files of an issued invoice or credit note: Factur-X PDF, CII XML, UBL 2.1 XML.

Rendered on request from the immutable stored document, so the same document always says the same
thing; the Factur-X XSD check runs on every Factur-X produced (nothing invalid leaves).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from services.billing.adapters.campaigns import CampaignRepository
from services.billing.adapters.documents.cii import cii_xml
from services.billing.adapters.documents.factur_x import facturx_pdf
from services.billing.adapters.documents.ubl import ubl_xml
from services.billing.domain.contribution_invoice import contribution_document
from services.billing.domain.documents import BillingDocument, Seller, credit_note_document, invoice_document
from services.billing.use_cases.credit_notes import get_credit_note
from services.billing.use_cases.queries import get_member_invoice
from shared.uow import UnitOfWork


class DocumentFormat(StrEnum):
    FACTURX = "facturx.pdf"
    CII = "cii.xml"
    UBL = "ubl.xml"


MEDIA_TYPES = {
    DocumentFormat.FACTURX: "application/pdf",
    DocumentFormat.CII: "application/xml",
    DocumentFormat.UBL: "application/xml",
}


@dataclass(frozen=True)
class RenderedDocument:
    filename: str
    media_type: str
    content: bytes


def render(document: BillingDocument, fmt: DocumentFormat, *, check_xsd: bool = True) -> RenderedDocument:
    if fmt is DocumentFormat.FACTURX:
        content = facturx_pdf(document, check_xsd=check_xsd)
    elif fmt is DocumentFormat.CII:
        content = cii_xml(document)
    else:
        content = ubl_xml(document)
    suffix = {DocumentFormat.FACTURX: ".pdf", DocumentFormat.CII: "-cii.xml", DocumentFormat.UBL: "-ubl.xml"}[
        fmt
    ]
    return RenderedDocument(f"{document.number}{suffix}", MEDIA_TYPES[fmt], content)


async def render_invoice(
    invoice_id: str, fmt: DocumentFormat, uow: UnitOfWork, seller: Seller
) -> RenderedDocument:
    invoice = await get_member_invoice(invoice_id, uow)
    # A contribution call prints the breakdown it was computed from.
    call = await CampaignRepository(uow.session).breakdown_of_invoice(invoice.id)
    document = contribution_document(invoice, call, seller) if call else invoice_document(invoice, seller)
    return render(document, fmt)


async def render_credit_note(
    credit_note_id: str, fmt: DocumentFormat, uow: UnitOfWork, seller: Seller
) -> RenderedDocument:
    return render(credit_note_document(await get_credit_note(credit_note_id, uow), seller), fmt)
