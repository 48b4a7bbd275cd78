"""A billing document as OASIS UBL 2.1 (Invoice, or CreditNote for a credit note), EN 16931 core.

Same content as the CII; element order follows the UBL 2.1 schema.
"""

from __future__ import annotations

from lxml import etree

from services.billing.adapters.documents.formats import EXEMPTIONS, amount, price, quantity, rate, unit_code
from services.billing.domain.documents import BillingDocument
from services.billing.domain.lines import Address, Line
from services.billing.domain.totals import line_net

INVOICE_NS = "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"
CREDIT_NOTE_NS = "urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2"
CAC = "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"
CBC = "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"
EN16931 = "urn:cen.eu:en16931:2017"
_NS = {"cac": CAC, "cbc": CBC}


def _el(parent: etree._Element, tag: str, text: str | None = None, **attrs: str) -> etree._Element:
    prefix, name = tag.split(":")
    element = etree.SubElement(parent, f"{{{_NS[prefix]}}}{name}", attrs)
    if text is not None:
        element.text = text
    return element


def ubl_xml(doc: BillingDocument) -> bytes:
    credit = doc.is_credit_note
    namespace = CREDIT_NOTE_NS if credit else INVOICE_NS
    root = etree.Element(
        f"{{{namespace}}}{'CreditNote' if credit else 'Invoice'}", nsmap={None: namespace, **_NS}
    )
    _el(root, "cbc:CustomizationID", EN16931)
    _el(root, "cbc:ID", doc.number)
    _el(root, "cbc:IssueDate", doc.issue_date.isoformat())
    if doc.due_date is not None and not credit:
        _el(root, "cbc:DueDate", doc.due_date.isoformat())
    _el(root, "cbc:CreditNoteTypeCode" if credit else "cbc:InvoiceTypeCode", doc.type_code)
    for note in doc.notes:
        _el(root, "cbc:Note", note)
    _el(root, "cbc:DocumentCurrencyCode", "EUR")
    if doc.buyer_reference:
        _el(root, "cbc:BuyerReference", doc.buyer_reference)
    order = _el(root, "cac:OrderReference")
    _el(order, "cbc:ID", doc.order_reference)
    if doc.sales_order_reference:
        _el(order, "cbc:SalesOrderID", doc.sales_order_reference)
    if doc.preceding_invoice is not None:
        number, issued = doc.preceding_invoice
        reference = _el(_el(root, "cac:BillingReference"), "cac:InvoiceDocumentReference")
        _el(reference, "cbc:ID", number)
        _el(reference, "cbc:IssueDate", issued.isoformat())
    carries_vat_ids = all(line.vat_category != "O" for line in doc.lines)  # BR-O-02
    seller = doc.seller
    _party(
        _el(root, "cac:AccountingSupplierParty"),
        name=seller.name,
        siret=seller.siret,
        address=seller.address,
        vat_id=seller.vat_id if carries_vat_ids else None,
        legal_id=(seller.siren, "0002"),
    )
    buyer = doc.buyer
    _party(
        _el(root, "cac:AccountingCustomerParty"),
        name=buyer.name,
        siret=buyer.siret,
        address=buyer.address,
        vat_id=None,
        legal_id=(buyer.siret, "0009"),
    )
    if doc.service_date is not None:
        _el(_el(root, "cac:Delivery"), "cbc:ActualDeliveryDate", doc.service_date.isoformat())
    if seller.iban and not credit:
        means = _el(root, "cac:PaymentMeans")
        _el(means, "cbc:PaymentMeansCode", "30")
        _el(means, "cbc:PaymentID", doc.number)
        _el(_el(means, "cac:PayeeFinancialAccount"), "cbc:ID", seller.iban)
    _el(_el(root, "cac:PaymentTerms"), "cbc:Note", doc.payment_terms)
    tax_total = _el(root, "cac:TaxTotal")
    _el(tax_total, "cbc:TaxAmount", amount(doc.totals.vat), currencyID="EUR")
    for row in doc.totals.vat_breakdown:
        subtotal = _el(tax_total, "cac:TaxSubtotal")
        _el(subtotal, "cbc:TaxableAmount", amount(row.taxable_amount), currencyID="EUR")
        _el(subtotal, "cbc:TaxAmount", amount(row.vat_amount), currencyID="EUR")
        category = _el(subtotal, "cac:TaxCategory")
        _el(category, "cbc:ID", row.category)
        if row.category != "O":
            _el(category, "cbc:Percent", rate(row.rate))
        exemption = EXEMPTIONS.get(row.category)
        if exemption:
            _el(category, "cbc:TaxExemptionReasonCode", exemption[0])
            _el(category, "cbc:TaxExemptionReason", exemption[1])
        _el(_el(category, "cac:TaxScheme"), "cbc:ID", "VAT")
    totals = _el(root, "cac:LegalMonetaryTotal")
    _el(totals, "cbc:LineExtensionAmount", amount(doc.totals.excl_tax), currencyID="EUR")
    _el(totals, "cbc:TaxExclusiveAmount", amount(doc.totals.excl_tax), currencyID="EUR")
    _el(totals, "cbc:TaxInclusiveAmount", amount(doc.totals.incl_tax), currencyID="EUR")
    _el(totals, "cbc:PayableAmount", amount(doc.totals.incl_tax), currencyID="EUR")
    for line in doc.lines:
        _line(root, line, credit)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def _party(
    parent: etree._Element,
    *,
    name: str,
    siret: str,
    address: Address,
    vat_id: str | None,
    legal_id: tuple[str, str],
) -> None:
    party = _el(parent, "cac:Party")
    _el(party, "cbc:EndpointID", siret, schemeID="0009")
    _el(_el(party, "cac:PartyIdentification"), "cbc:ID", siret, schemeID="0009")
    _el(_el(party, "cac:PartyName"), "cbc:Name", name)
    postal = _el(party, "cac:PostalAddress")
    _el(postal, "cbc:StreetName", address.line1)
    if address.line2:
        _el(postal, "cbc:AdditionalStreetName", address.line2)
    _el(postal, "cbc:CityName", address.city)
    _el(postal, "cbc:PostalZone", address.postcode)
    _el(_el(postal, "cac:Country"), "cbc:IdentificationCode", address.country_code)
    if vat_id:
        scheme = _el(party, "cac:PartyTaxScheme")
        _el(scheme, "cbc:CompanyID", vat_id)
        _el(_el(scheme, "cac:TaxScheme"), "cbc:ID", "VAT")
    legal = _el(party, "cac:PartyLegalEntity")
    _el(legal, "cbc:RegistrationName", name)
    _el(legal, "cbc:CompanyID", legal_id[0], schemeID=legal_id[1])


def _line(root: etree._Element, line: Line, credit: bool) -> None:
    element = _el(root, "cac:CreditNoteLine" if credit else "cac:InvoiceLine")
    _el(element, "cbc:ID", str(line.line_no))
    _el(
        element,
        "cbc:CreditedQuantity" if credit else "cbc:InvoicedQuantity",
        quantity(line.quantity),
        unitCode=unit_code(line.unit),
    )
    _el(
        element, "cbc:LineExtensionAmount", amount(line_net(line.quantity, line.unit_price)), currencyID="EUR"
    )
    item = _el(element, "cac:Item")
    _el(item, "cbc:Name", line.label)
    _el(_el(item, "cac:SellersItemIdentification"), "cbc:ID", line.item_code)
    category = _el(item, "cac:ClassifiedTaxCategory")
    _el(category, "cbc:ID", line.vat_category)
    if line.vat_category != "O":
        _el(category, "cbc:Percent", rate(line.vat_rate))
    _el(_el(category, "cac:TaxScheme"), "cbc:ID", "VAT")
    _el(_el(element, "cac:Price"), "cbc:PriceAmount", price(line.unit_price), currencyID="EUR")
