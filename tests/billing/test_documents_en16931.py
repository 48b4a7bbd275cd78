"""Every issued invoice and credit note as Factur-X, CII and UBL, checked against the official EN 16931
rules (CEN schematron, run with saxonche: zero fatal finding) and the XML schemas (factur-x library)."""

from __future__ import annotations

import datetime as dt
import io

import facturx
import pytest
from lxml import etree
from pypdf import PdfReader

from services.billing.adapters.documents.cii import cii_xml
from services.billing.adapters.documents.ubl import ubl_xml
from services.billing.domain.documents import Seller, invoice_document
from services.billing.domain.lines import Address
from services.billing.domain.member_invoice import MemberInvoice
from services.billing.domain.numbering import InvoiceNumber, Series
from services.billing.domain.totals import compute_totals
from services.billing.entrypoints.seller import seller_from_settings
from tests.billing.builders import line
from tests.billing.en16931 import fatal_findings
from tests.billing.helpers import BUYER, issued_member_invoice, po_line, purchase_order_issued

CII = {
    "rsm": "urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100",
    "ram": "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100",
    "udt": "urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100",
}
AGREEMENT = "rsm:SupplyChainTradeTransaction/ram:ApplicableHeaderTradeAgreement"
SETTLEMENT = "rsm:SupplyChainTradeTransaction/ram:ApplicableHeaderTradeSettlement"


def assert_valid_cii(xml: bytes) -> None:
    assert facturx.xml_check_xsd(xml, flavor="factur-x", level="en16931")
    assert fatal_findings(xml, "CII") == []


def assert_valid_ubl(xml: bytes, flavor: str) -> None:
    assert facturx.xml_check_xsd(xml, flavor=flavor)
    assert fatal_findings(xml, "UBL") == []


def test_the_validation_reports_a_document_that_breaks_the_rules() -> None:
    """The bar is meaningful: totals that do not add up are fatal findings."""
    xml = cii_xml(invoice_document(_invoice([line(1, "2", "10.00")]), seller_from_settings(None)))
    broken = xml.replace(b"<ram:GrandTotalAmount>24.00<", b"<ram:GrandTotalAmount>24.01<")
    assert broken != xml
    assert {finding.id for finding in fatal_findings(broken, "CII")} >= {"BR-CO-15"}


@pytest.mark.postgres
async def test_an_issued_invoice_is_a_valid_facturx_cii_and_ubl_with_the_chorus_references(billing) -> None:
    po = purchase_order_issued(po_line(1, "10", "125.00"), po_line(2, "3", "33.335", vat_rate="5.50"))
    invoice = await issued_member_invoice(billing, po)

    pdf = await billing.client.get(f"/v1/invoices/{invoice['id']}/facturx.pdf")
    cii = await billing.client.get(f"/v1/invoices/{invoice['id']}/cii.xml")
    ubl = await billing.client.get(f"/v1/invoices/{invoice['id']}/ubl.xml")

    assert pdf.status_code == cii.status_code == ubl.status_code == 200
    assert pdf.headers["content-type"] == "application/pdf" and pdf.content.startswith(b"%PDF-")
    filename, embedded = facturx.get_xml_from_pdf(pdf.content, check_xsd=True)
    assert filename == "factur-x.xml" and embedded == cii.content
    assert facturx.get_level(etree.fromstring(embedded)) == "en16931"
    assert_valid_cii(cii.content)
    assert_valid_ubl(ubl.content, "ubl-2.1-invoice")

    root = etree.fromstring(cii.content)

    def text(path: str) -> list[str]:
        return [node.text for node in root.findall(path, CII)]

    def scheme(path: str) -> list[tuple[str, str]]:
        return [(node.text, node.get("schemeID")) for node in root.findall(path, CII)]

    assert text("rsm:ExchangedDocument/ram:ID") == [invoice["number"]]
    assert text(f"{AGREEMENT}/ram:BuyerReference") == [BUYER.service_code]  # BT-10
    assert text(f"{AGREEMENT}/ram:BuyerOrderReferencedDocument/ram:IssuerAssignedID") == [
        po.commitment_number  # BT-13
    ]
    assert scheme(f"{AGREEMENT}/ram:BuyerTradeParty/ram:SpecifiedLegalOrganization/ram:ID") == [
        (BUYER.siret, "0009")
    ]
    assert scheme(f"{AGREEMENT}/ram:SellerTradeParty/ram:SpecifiedLegalOrganization/ram:ID") == [
        ("255901076", "0002")  # BT-30, the syndicate's SIREN
    ]
    assert text(f"{AGREEMENT}/ram:SellerTradeParty/ram:Name") == [
        "Syndicat mixte Nord-Pas-de-Calais Numérique"
    ]
    assert [
        (
            tax.findtext("ram:RateApplicablePercent", namespaces=CII),
            tax.findtext("ram:CalculatedAmount", namespaces=CII),
        )
        for tax in root.findall(f"{SETTLEMENT}/ram:ApplicableTradeTax", CII)
    ] == [("5.50", "5.50"), ("20.00", "250.00")]
    terms = f"{SETTLEMENT}/ram:SpecifiedTradePaymentTerms"
    assert "30 jours à compter de la mise à disposition" in text(f"{terms}/ram:Description")[0]
    assert text(f"{terms}/ram:DueDateDateTime/udt:DateTimeString") == [invoice["due_date"].replace("-", "")]
    assert text(f"{SETTLEMENT}/ram:SpecifiedTradeSettlementHeaderMonetarySummation/ram:DuePayableAmount") == [
        "1605.51"
    ]
    page = PdfReader(io.BytesIO(pdf.content)).pages[0].extract_text()
    for readable in (
        f"Facture n° {invoice['number']}",
        "Conditions de paiement",
        "Total hors taxes",
        "1 605,51 €",
    ):
        assert readable in page.replace("\xa0", " "), readable


@pytest.mark.postgres
async def test_credit_notes_full_and_partial_are_valid_facturx_cii_and_ubl(billing) -> None:
    invoice = await issued_member_invoice(
        billing, purchase_order_issued(po_line(1, "10", "125.00"), po_line(2, "4", "49.99", vat_rate="5.50"))
    )
    partial = await billing.client.post(
        f"/v1/invoices/{invoice['id']}/credit-notes",
        json={"reason": "Deux licences livrées en moins", "lines": [{"line_no": 1, "quantity": "2"}]},
    )
    rest = await billing.client.post(
        f"/v1/invoices/{invoice['id']}/credit-notes", json={"reason": "Annulation du solde de la commande"}
    )
    assert partial.status_code == rest.status_code == 201, (partial.text, rest.text)

    for note in (partial.json(), rest.json()):
        pdf = (await billing.client.get(f"/v1/credit-notes/{note['id']}/facturx.pdf")).content
        cii = (await billing.client.get(f"/v1/credit-notes/{note['id']}/cii.xml")).content
        ubl = (await billing.client.get(f"/v1/credit-notes/{note['id']}/ubl.xml")).content
        assert facturx.get_xml_from_pdf(pdf, check_xsd=True)[1] == cii
        assert_valid_cii(cii)
        assert_valid_ubl(ubl, "ubl-2.1-creditnote")
        root = etree.fromstring(cii)
        assert root.findtext("rsm:ExchangedDocument/ram:TypeCode", namespaces=CII) == "381"
        assert (
            root.findtext(f"{SETTLEMENT}/ram:InvoiceReferencedDocument/ram:IssuerAssignedID", namespaces=CII)
            == invoice["number"]
        )


def _invoice(lines, *, commitment: str | None = "EJ-1") -> MemberInvoice:
    from services.billing.domain.lines import Buyer

    buyer = Buyer(
        member_id="m",
        name="Commune de Liévin",
        siren="216205106",
        siret="21620510600018",
        address=Address("Place Gambetta", "62800", "Liévin"),
        service_code=None,
    )
    return MemberInvoice(
        id="i",
        number=InvoiceNumber(Series.MARKETPLACE, 2026, 7),
        issue_date=dt.date(2026, 12, 31),
        due_date=dt.date(2027, 1, 30),
        due_date_is_provisional=True,
        buyer=buyer,
        commitment_number=commitment,
        po_number="BC-2026-000042",
        quote_number="DEV-2026-000042",
        supplier_invoice_id=None,
        lines=tuple(lines),
        totals=compute_totals(lines),
    )


@pytest.mark.parametrize(
    ("lines", "commitment"),
    [
        # rounding at the cent on several rates, quantities with decimals, no service code
        ([line(1, "2.5", "0.335"), line(2, "3", "33.333", vat_rate="5.50"), line(3, "1", "0.01")], "EJ-9"),
        # exempt and zero-rated lines beside a taxed one
        ([line(1, "1", "80.00"), line(2, "2", "15.00", vat_category="E", vat_rate="0")], None),
        ([line(1, "4", "12.50", vat_category="Z", vat_rate="0")], "EJ-10"),
        # outside the scope of VAT alone (what a yearly contribution looks like): no VAT identifier
        ([line(1, "1234", "1.30", vat_category="O", vat_rate="0")], "EJ-11"),
    ],
)
def test_documents_of_every_vat_shape_pass_the_official_rules(lines, commitment) -> None:
    seller = seller_from_settings(None)
    document = invoice_document(_invoice(lines, commitment=commitment), seller)
    assert_valid_cii(cii_xml(document))
    assert_valid_ubl(ubl_xml(document), "ubl-2.1-invoice")


def test_the_seller_comes_from_billing_settings() -> None:
    from services.billing.config import BillingSettings
    from shared.errors import BusinessRuleViolation

    custom = seller_from_settings(BillingSettings(seller_city="Arras", seller_postcode="62000"))
    assert isinstance(custom, Seller) and custom.address.city == "Arras"
    with pytest.raises(BusinessRuleViolation):
        seller_from_settings(BillingSettings(seller_siret="25590107600019"))  # Luhn fails
