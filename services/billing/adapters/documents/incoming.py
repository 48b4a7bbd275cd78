"""The contractor's own e-invoice, as uploaded: recognised by content (never by its name or declared
type), then parsed into the same fields as the JSON API.

- `%PDF-` → Factur-X: the embedded CII XML is extracted with the factur-x library;
- XML whose root is a CII `CrossIndustryInvoice` or a UBL 2.1 `Invoice` → parsed with lxml
  (no DTD, no entity expansion, no network: the file comes from outside);
- anything else, an XML that is not an invoice, a credit note, a currency other than the euro, an
  invoice without its PO number (BT-13), or lines whose amounts do not add up → `UnusableDocument`.
Each line is paired with its PO line by BT-132 (the buyer's order line reference), else its own line id.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

import facturx
from lxml import etree

from services.billing.adapters.documents.formats import UNIT_NAMES
from services.billing.domain.lines import Line
from services.billing.domain.totals import compute_totals, line_net
from shared.errors import BusinessRuleViolation

log = logging.getLogger(__name__)

CII_ROOT = "{urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100}CrossIndustryInvoice"
UBL_INVOICE_ROOT = "{urn:oasis:names:specification:ubl:schema:xsd:Invoice-2}Invoice"
UBL_CREDIT_NOTE_ROOT = "{urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2}CreditNote"
CII_NS = {
    "rsm": "urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100",
    "ram": "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100",
    "udt": "urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100",
}
UBL_NS = {
    "inv": "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2",
    "cac": "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2",
    "cbc": "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2",
}
INVOICE_TYPE_CODES = {"380", "384", "389", "751"}  # invoice, corrected, self-billed, information


class UnusableDocument(BusinessRuleViolation):
    """The upload is not an invoice billing can take (422 problem, the upload is still kept)."""


class UnsupportedFile(UnusableDocument):
    status = 415
    type_slug = "unsupported-media-type"
    title = "Unsupported file"


@dataclass(frozen=True)
class ParsedInvoice:
    syntax: str  # "facturx-pdf", "cii" or "ubl"
    number: str
    po_number: str
    issue_date: dt.date
    lines: tuple[Line, ...]
    total_excl_tax: Decimal
    seller_name: str | None


def detect_format(content: bytes) -> str:
    """ "pdf" or "xml" by the first bytes; anything else is refused."""
    head = content[:1024].lstrip(b"\xef\xbb\xbf \t\r\n")
    if content.startswith(b"%PDF-"):
        return "pdf"
    if head.startswith(b"<"):
        return "xml"
    raise UnsupportedFile("the file is neither a PDF nor an XML document", field="file")


def parse_upload(content: bytes) -> ParsedInvoice:
    kind = detect_format(content)
    if kind == "pdf":
        try:
            _name, xml = facturx.get_xml_from_pdf(content, check_xsd=False)
        except Exception as error:  # a broken PDF: pypdf raises many kinds
            raise UnusableDocument(f"the PDF cannot be read: {error}", field="file") from None
        if not xml:
            raise UnusableDocument(
                "the PDF carries no embedded invoice XML: only Factur-X PDFs are accepted", field="file"
            )
        root = _xml_root(xml)
        if root.tag != CII_ROOT:
            raise UnusableDocument("the XML embedded in the PDF is not a CII invoice", field="file")
        return _checked(_parse_cii(root, xml), "facturx-pdf")
    root = _xml_root(content)
    if root.tag == CII_ROOT:
        return _checked(_parse_cii(root, content), "cii")
    if root.tag == UBL_INVOICE_ROOT:
        return _checked(_parse_ubl(root, content), "ubl")
    if root.tag == UBL_CREDIT_NOTE_ROOT:
        raise UnusableDocument(
            "this is a credit note, not an invoice: send it to the staff in charge of the dispute",
            field="file",
        )
    raise UnusableDocument(f"the XML is not an invoice (root element {root.tag})", field="file")


def _xml_root(content: bytes) -> etree._Element:
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)
    try:
        return etree.fromstring(content, parser=parser)
    except etree.XMLSyntaxError as error:
        raise UnusableDocument(f"the XML is not well formed: {error}", field="file") from None


def _xsd(content: bytes, flavor: str) -> None:
    try:
        facturx.xml_check_xsd(content, flavor=flavor, level="autodetect" if flavor == "factur-x" else None)
    except Exception as error:
        message = str(error).split("Here is the error")[-1].strip(" ,:.")
        raise UnusableDocument(
            f"the invoice is not valid against its XML schema: {message}", field="file"
        ) from None


def _text(node: etree._Element, path: str, ns: dict[str, str]) -> str | None:
    found = node.find(path, ns)
    if found is None or found.text is None or not found.text.strip():
        return None
    return found.text.strip()


def _decimal(value: str | None, what: str) -> Decimal:
    try:
        result = Decimal(value or "")
    except InvalidOperation:
        raise UnusableDocument(f"{what} is missing or not a number", field="file") from None
    if not result.is_finite():
        raise UnusableDocument(f"{what} is not a number", field="file")
    return result


def _parse_cii(root: etree._Element, content: bytes) -> tuple[ParsedInvoice, Decimal, Decimal, Decimal]:
    _xsd(content, "factur-x")
    ns = CII_NS
    type_code = _text(root, "rsm:ExchangedDocument/ram:TypeCode", ns)
    if type_code not in INVOICE_TYPE_CODES:
        raise UnusableDocument(
            f"document type {type_code} is not an invoice (a credit note is 381)", field="file"
        )
    transaction = root.find("rsm:SupplyChainTradeTransaction", ns)
    settlement = transaction.find("ram:ApplicableHeaderTradeSettlement", ns)
    _euros(_text(settlement, "ram:InvoiceCurrencyCode", ns))
    lines = []
    for index, item in enumerate(transaction.iterfind("ram:IncludedSupplyChainTradeLineItem", ns)):
        where = f"line {index + 1}"
        own_id = _text(item, "ram:AssociatedDocumentLineDocument/ram:LineID", ns)
        po_line = _text(
            item, "ram:SpecifiedLineTradeAgreement/ram:BuyerOrderReferencedDocument/ram:LineID", ns
        )
        price_node = "ram:SpecifiedLineTradeAgreement/ram:NetPriceProductTradePrice"
        basis = _text(item, f"{price_node}/ram:BasisQuantity", ns)
        quantity_node = item.find("ram:SpecifiedLineTradeDelivery/ram:BilledQuantity", ns)
        lines.append(
            _line(
                where,
                line_no=po_line or own_id,
                item_code=_text(item, "ram:SpecifiedTradeProduct/ram:SellerAssignedID", ns)
                or _text(item, "ram:SpecifiedTradeProduct/ram:GlobalID", ns),
                label=_text(item, "ram:SpecifiedTradeProduct/ram:Name", ns),
                unit=quantity_node.get("unitCode") if quantity_node is not None else None,
                quantity=quantity_node.text if quantity_node is not None else None,
                price=_text(item, f"{price_node}/ram:ChargeAmount", ns),
                basis=basis,
                category=_text(
                    item, "ram:SpecifiedLineTradeSettlement/ram:ApplicableTradeTax/ram:CategoryCode", ns
                ),
                rate=_text(
                    item,
                    "ram:SpecifiedLineTradeSettlement/ram:ApplicableTradeTax/ram:RateApplicablePercent",
                    ns,
                ),
                net=_text(
                    item,
                    "ram:SpecifiedLineTradeSettlement/ram:SpecifiedTradeSettlementLineMonetarySummation/ram:LineTotalAmount",
                    ns,
                ),
            )
        )
    summation = "ram:SpecifiedTradeSettlementHeaderMonetarySummation"
    issue = _text(root, "rsm:ExchangedDocument/ram:IssueDateTime/udt:DateTimeString", ns)
    parsed = ParsedInvoice(
        syntax="cii",
        number=_text(root, "rsm:ExchangedDocument/ram:ID", ns) or "",
        po_number=_text(
            transaction,
            "ram:ApplicableHeaderTradeAgreement/ram:BuyerOrderReferencedDocument/ram:IssuerAssignedID",
            ns,
        )
        or "",
        issue_date=_date(issue, "%Y%m%d"),
        lines=tuple(lines),
        total_excl_tax=_decimal(
            _text(settlement, f"{summation}/ram:TaxBasisTotalAmount", ns), "the total excluding tax (BT-109)"
        ),
        seller_name=_text(
            transaction, "ram:ApplicableHeaderTradeAgreement/ram:SellerTradeParty/ram:Name", ns
        ),
    )
    line_total = _decimal(
        _text(settlement, f"{summation}/ram:LineTotalAmount", ns), "the sum of line nets (BT-106)"
    )
    vat = _decimal(_text(settlement, f"{summation}/ram:TaxTotalAmount", ns), "the VAT total (BT-110)")
    grand = _decimal(
        _text(settlement, f"{summation}/ram:GrandTotalAmount", ns), "the total including tax (BT-112)"
    )
    if line_total != parsed.total_excl_tax:
        raise UnusableDocument(
            "document-level allowances or charges are not accepted on a marketplace invoice", field="file"
        )
    return parsed, vat, grand, line_total


def _parse_ubl(root: etree._Element, content: bytes) -> tuple[ParsedInvoice, Decimal, Decimal, Decimal]:
    _xsd(content, "ubl-2.1-invoice")
    ns = UBL_NS
    type_code = _text(root, "cbc:InvoiceTypeCode", ns)
    if type_code not in INVOICE_TYPE_CODES:
        raise UnusableDocument(f"document type {type_code} is not an invoice", field="file")
    _euros(_text(root, "cbc:DocumentCurrencyCode", ns))
    lines = []
    for index, item in enumerate(root.iterfind("cac:InvoiceLine", ns)):
        quantity_node = item.find("cbc:InvoicedQuantity", ns)
        lines.append(
            _line(
                f"line {index + 1}",
                line_no=_text(item, "cac:OrderLineReference/cbc:LineID", ns) or _text(item, "cbc:ID", ns),
                item_code=_text(item, "cac:Item/cac:SellersItemIdentification/cbc:ID", ns)
                or _text(item, "cac:Item/cac:StandardItemIdentification/cbc:ID", ns),
                label=_text(item, "cac:Item/cbc:Name", ns),
                unit=quantity_node.get("unitCode") if quantity_node is not None else None,
                quantity=quantity_node.text if quantity_node is not None else None,
                price=_text(item, "cac:Price/cbc:PriceAmount", ns),
                basis=_text(item, "cac:Price/cbc:BaseQuantity", ns),
                category=_text(item, "cac:Item/cac:ClassifiedTaxCategory/cbc:ID", ns),
                rate=_text(item, "cac:Item/cac:ClassifiedTaxCategory/cbc:Percent", ns),
                net=_text(item, "cbc:LineExtensionAmount", ns),
            )
        )
    totals = "cac:LegalMonetaryTotal"
    parsed = ParsedInvoice(
        syntax="ubl",
        number=_text(root, "cbc:ID", ns) or "",
        po_number=_text(root, "cac:OrderReference/cbc:ID", ns) or "",
        issue_date=_date(_text(root, "cbc:IssueDate", ns), "%Y-%m-%d"),
        lines=tuple(lines),
        total_excl_tax=_decimal(
            _text(root, f"{totals}/cbc:TaxExclusiveAmount", ns), "the total excluding tax (BT-109)"
        ),
        seller_name=_text(
            root, "cac:AccountingSupplierParty/cac:Party/cac:PartyLegalEntity/cbc:RegistrationName", ns
        ),
    )
    line_total = _decimal(
        _text(root, f"{totals}/cbc:LineExtensionAmount", ns), "the sum of line nets (BT-106)"
    )
    vat = sum(
        (
            _decimal(node.text, "the VAT total (BT-110)")
            for node in root.iterfind("cac:TaxTotal/cbc:TaxAmount", ns)
            if node.get("currencyID") in (None, "EUR")
        ),
        Decimal(0),
    )
    grand = _decimal(_text(root, f"{totals}/cbc:TaxInclusiveAmount", ns), "the total including tax (BT-112)")
    if line_total != parsed.total_excl_tax:
        raise UnusableDocument(
            "document-level allowances or charges are not accepted on a marketplace invoice", field="file"
        )
    return parsed, vat, grand, line_total


def _euros(currency: str | None) -> None:
    if currency != "EUR":
        raise UnusableDocument(f"the invoice is in {currency}, not in euros", field="file")


def _date(value: str | None, pattern: str) -> dt.date:
    try:
        return dt.datetime.strptime(value or "", pattern).date()  # noqa: DTZ007 - a civil date, no instant
    except ValueError:
        raise UnusableDocument(f"the issue date {value!r} cannot be read", field="file") from None


def _line(
    where: str,
    *,
    line_no: str | None,
    item_code: str | None,
    label: str | None,
    unit: str | None,
    quantity: str | None,
    price: str | None,
    basis: str | None,
    category: str | None,
    rate: str | None,
    net: str | None,
) -> Line:
    if line_no is None or not line_no.isdigit():
        raise UnusableDocument(
            f"{where}: no PO line reference (BT-132) nor numeric line id to pair it with the PO", field="file"
        )
    unit_price = _decimal(price, f"{where}: the net price (BT-146)")
    if basis is not None:
        base = _decimal(basis, f"{where}: the price base quantity (BT-149)")
        if base <= 0:
            raise UnusableDocument(f"{where}: the price base quantity must be positive", field="file")
        unit_price = unit_price / base
    line = Line(
        line_no=int(line_no),
        item_code=(item_code or "")[:50],
        label=(label or item_code or "")[:500],
        unit=UNIT_NAMES.get(unit or "", (unit or "unit").lower())[:20],
        quantity=_decimal(quantity, f"{where}: the quantity (BT-129)"),
        unit_price=unit_price,
        vat_category=category or "",
        vat_rate=_decimal(rate or "0", f"{where}: the VAT rate (BT-152)"),
    )
    if net is not None and _decimal(net, f"{where}: the line net (BT-131)") != line_net(
        line.quantity, line.unit_price
    ):
        raise UnusableDocument(
            f"{where}: the line net {net} is not quantity x net price "
            f"({line_net(line.quantity, line.unit_price)})",
            field="file",
        )
    return line


def _checked(
    parsed_and_totals: tuple[ParsedInvoice, Decimal, Decimal, Decimal], syntax: str
) -> ParsedInvoice:
    parsed, vat, grand, _line_total = parsed_and_totals
    if not parsed.po_number:
        raise UnusableDocument(
            "the invoice does not name its purchase order (BT-13, mandatory on a public-procurement invoice)",
            field="po_number",
        )
    if not parsed.number:
        raise UnusableDocument("the invoice has no number (BT-1)", field="supplier_invoice_number")
    if not parsed.lines:
        raise UnusableDocument("the invoice has no line", field="lines")
    if any(line.quantity <= 0 or line.unit_price < 0 for line in parsed.lines):
        raise UnusableDocument(
            "negative or zero quantities and negative prices are not accepted", field="lines"
        )
    expected = compute_totals(parsed.lines)
    if vat != expected.vat or grand != parsed.total_excl_tax + vat:
        raise UnusableDocument(
            f"the totals do not add up: VAT {vat} (computed {expected.vat}), total including tax {grand} "
            f"(computed {parsed.total_excl_tax + vat})",
            field="total_incl_tax",
        )
    return ParsedInvoice(**{**parsed.__dict__, "syntax": syntax})
