"""The contractor's own e-invoice uploaded as a file (Factur-X PDF, CII or UBL), recognised by content,
parsed into the same model, matched; refused files answered with a problem and kept for audit."""

from __future__ import annotations

import hashlib
import io
import re

import facturx
import pytest
from reportlab.pdfgen import canvas
from sqlalchemy import func, select

from services.billing.adapters.documents.incoming import parse_upload
from services.billing.adapters.tables import messaging, supplier_invoices
from tests.billing.en16931 import fatal_findings
from tests.billing.helpers import known_purchase_order, member_invoice_of, po_line, purchase_order_issued
from tests.billing.samples import contractor_cii, contractor_ubl

LINES = [po_line(1, "10", "125.00"), po_line(2, "3", "33.335", vat_rate="5.50")]


def plain_pdf(text: str = "Facture") -> bytes:
    buffer = io.BytesIO()
    page = canvas.Canvas(buffer)
    page.drawString(72, 720, text)
    page.save()
    return buffer.getvalue()


def contractor_facturx(**kwargs) -> bytes:
    return facturx.generate_from_binary(
        plain_pdf("Facture du titulaire"), contractor_cii(**kwargs), flavor="factur-x", level="en16931"
    )


# --- parsing, without a database ----------------------------------------------------------------------


@pytest.mark.parametrize(("make", "syntax"), [(contractor_cii, "CII"), (contractor_ubl, "UBL")])
def test_the_sample_invoices_are_valid_en16931_invoices(make, syntax) -> None:
    """The test data is what a conformant invoicing software sends: no fatal finding."""
    assert fatal_findings(make(number="F-1", po_number="BC-1", lines=LINES), syntax) == []


@pytest.mark.parametrize("make", [contractor_cii, contractor_ubl, contractor_facturx])
def test_cii_ubl_and_facturx_parse_into_the_same_invoice(make) -> None:
    parsed = parse_upload(make(number="ENN-2026-0142", po_number="BC-2026-000007", lines=LINES))

    assert (parsed.number, parsed.po_number, str(parsed.issue_date)) == (
        "ENN-2026-0142",
        "BC-2026-000007",
        "2026-11-20",
    )
    assert [
        (ln.line_no, ln.item_code, str(ln.quantity), str(ln.unit_price), str(ln.vat_rate))
        for ln in parsed.lines
    ] == [
        (1, "BPU-001", "10", "125.00", "20.00"),
        (2, "BPU-002", "3", "33.335", "5.50"),
    ]
    assert str(parsed.total_excl_tax) == "1350.01"
    assert parsed.seller_name == "Éducation Numérique Nord SAS"


# --- through the API ----------------------------------------------------------------------------------


async def upload(billing, content: bytes, name: str = "facture.xml", media: str = "application/xml"):
    return await billing.client.post("/v1/supplier-invoices/upload", files={"file": (name, content, media)})


async def kept(billing, response) -> dict:
    """The audit record of a refused upload, found from the id its problem names."""
    upload_id = re.search(r"upload ([0-9a-f-]{36})", response.json()["detail"]).group(1)
    return (await billing.client.get(f"/v1/supplier-invoices/uploads/{upload_id}")).json()


async def written(billing) -> tuple[int, int]:
    async with billing.runtimes["billing"].db.sessionmaker() as session:
        invoices = (await session.execute(select(func.count()).select_from(supplier_invoices))).scalar_one()
        events = (await session.execute(select(func.count()).select_from(messaging.outbox))).scalar_one()
    return invoices, events


@pytest.mark.postgres
@pytest.mark.parametrize(
    ("make", "name", "syntax"),
    [
        (contractor_cii, "facture.xml", "cii"),
        (contractor_ubl, "invoice.xml", "ubl"),
        (contractor_facturx, "facture.pdf", "facturx-pdf"),
    ],
)
async def test_an_uploaded_einvoice_is_matched_rebilled_and_kept(billing, make, name, syntax) -> None:
    po = purchase_order_issued(*LINES)
    await known_purchase_order(billing, po)
    content = make(number=f"ENN-{syntax}", po_number=po.po_number, lines=LINES)

    response = await upload(billing, content, name, "application/octet-stream")

    assert response.status_code == 201, response.text
    body = response.json()
    assert (body["status"], body["source"], body["total_excl_tax"]) == ("matched", "upload", "1350.01")
    record = (await billing.client.get(f"/v1/supplier-invoices/uploads/{body['upload_id']}")).json()
    assert (record["outcome"], record["detected_format"], record["supplier_invoice_id"]) == (
        "accepted",
        syntax,
        body["id"],
    )
    assert record["sha256"] == hashlib.sha256(content).hexdigest() and record["size"] == len(content)
    stored = await billing.client.get(f"/v1/supplier-invoices/uploads/{body['upload_id']}/content")
    assert stored.content == content
    invoice = await member_invoice_of(billing, body["id"])
    assert invoice["total_excl_tax"] == "1350.01"


def _totals_off(content: bytes) -> bytes:
    return content.replace(b"<ram:GrandTotalAmount>1605.51", b"<ram:GrandTotalAmount>1605.61")


@pytest.mark.postgres
@pytest.mark.parametrize(
    ("content", "status", "field", "says"),
    [
        (b"GIF89a\x01\x00\x01\x00", 415, "file", "neither a PDF nor an XML"),
        (b"", 415, "file", "empty"),
        (
            b"<?xml version='1.0'?><Order xmlns='urn:oasis:names:specification:ubl:schema:xsd:Order-2'/>",
            422,
            "file",
            "not an invoice",
        ),
        (b"<facture><numero>12</numero>", 422, "file", "not well formed"),
        (plain_pdf(), 422, "file", "no embedded invoice XML"),
        (b"%PDF-1.7 truncated", 422, "file", "cannot be read"),
        (contractor_cii(number="X-1", po_number=None, lines=LINES), 422, "po_number", "BT-13"),
        (contractor_ubl(number="X-2", po_number=None, lines=LINES), 422, "po_number", "BT-13"),
        (
            contractor_cii(number="X-3", po_number="BC-UNKNOWN", lines=LINES),
            422,
            "po_number",
            "unknown to billing",
        ),
        (
            _totals_off(contractor_cii(number="X-4", po_number="BC-1", lines=LINES)),
            422,
            "total_incl_tax",
            "do not add up",
        ),
        (
            contractor_cii(number="X-5", po_number="BC-1", lines=LINES).replace(
                b"<ram:TypeCode>380", b"<ram:TypeCode>381"
            ),
            422,
            "file",
            "not an invoice",
        ),
        (
            contractor_ubl(number="X-6", po_number="BC-1", lines=LINES).replace(
                b">10</cbc:InvoicedQuantity", b">-10</cbc:InvoicedQuantity"
            ),
            422,
            "file",
            "line net",
        ),
    ],
    ids=[
        "gif",
        "empty",
        "ubl-order",
        "broken-xml",
        "pdf-without-xml",
        "broken-pdf",
        "cii-without-po",
        "ubl-without-po",
        "unknown-po",
        "totals",
        "credit-note",
        "negative-quantity",
    ],
)
async def test_a_refused_upload_is_a_problem_writes_nothing_else_and_is_kept(
    billing, content, status, field, says
) -> None:
    response = await upload(billing, content)

    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert problem["errors"][0]["field"] == field and says in problem["detail"]
    record = await kept(billing, response)
    assert record["outcome"] == "refused" and says in record["refusal"]
    assert record["sha256"] == hashlib.sha256(content).hexdigest()
    assert await written(billing) == (0, 0)


@pytest.mark.postgres
async def test_the_same_invoice_uploaded_twice_is_a_duplicate_and_both_files_are_kept(billing) -> None:
    po = purchase_order_issued(*LINES)
    await known_purchase_order(billing, po)
    content = contractor_ubl(number="ENN-2026-0099", po_number=po.po_number, lines=LINES)

    first = await upload(billing, content)
    again = await upload(billing, content)

    assert first.status_code == 201 and again.status_code == 409
    assert again.json()["errors"][0]["field"] == "supplier_invoice_number"
    record = await kept(billing, again)
    assert record["outcome"] == "refused" and record["sha256"] == hashlib.sha256(content).hexdigest()


@pytest.mark.postgres
async def test_a_file_above_the_limit_is_refused_and_kept(pg_url) -> None:
    from services.billing.bootstrap import DEFINITION
    from services.billing.config import BillingSettings
    from tests.apps import run_services

    settings = BillingSettings(database_url=pg_url, retry_delay_ms=100, upload_max_bytes=2000)
    async with run_services([(DEFINITION, settings)]) as running:
        content = contractor_cii(number="BIG", po_number="BC-1", lines=LINES)
        assert len(content) > 2000

        response = await upload(running, content)

        assert response.status_code == 413 and "limit is 2000" in response.json()["detail"]
        assert (await kept(running, response))["size"] == len(content)
