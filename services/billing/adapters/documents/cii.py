"""A billing document as UN/CEFACT CII D16B XML, EN 16931 profile (what Factur-X embeds).

Element order follows the CII schema (the Factur-X XSD checks it). Chorus Pro references: BT-10
BuyerReference = the member's service code, BT-13 BuyerOrderReferencedDocument = its commitment number,
the buyer's SIRET with scheme 0009, the seller's SIREN (BT-30) with scheme 0002.
"""

from __future__ import annotations

from lxml import etree

from services.billing.adapters.documents.formats import (
    EXEMPTIONS,
    amount,
    cii_date,
    price,
    quantity,
    rate,
    unit_code,
)
from services.billing.domain.documents import BillingDocument, Seller
from services.billing.domain.lines import Address, Buyer, Line
from services.billing.domain.totals import line_net

RSM = "urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100"
RAM = "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100"
UDT = "urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100"
QDT = "urn:un:unece:uncefact:data:standard:QualifiedDataType:100"
NSMAP = {"rsm": RSM, "ram": RAM, "udt": UDT, "qdt": QDT}
EN16931 = "urn:cen.eu:en16931:2017"
# BT-23, Chorus Pro's "cadre de facturation": A1 = invoice of goods or services by a supplier.
CHORUS_BUSINESS_PROCESS = "A1"


def _el(parent: etree._Element, tag: str, text: str | None = None, **attrs: str) -> etree._Element:
    prefix, name = tag.split(":")
    element = etree.SubElement(parent, f"{{{NSMAP[prefix]}}}{name}", attrs)
    if text is not None:
        element.text = text
    return element


def _date(parent: etree._Element, tag: str, day: str, ns: str = "udt") -> None:
    _el(_el(parent, tag), f"{ns}:DateTimeString", day, format="102")


def cii_xml(doc: BillingDocument) -> bytes:
    root = etree.Element(f"{{{RSM}}}CrossIndustryInvoice", nsmap=NSMAP)
    context = _el(root, "rsm:ExchangedDocumentContext")
    _el(
        _el(context, "ram:BusinessProcessSpecifiedDocumentContextParameter"),
        "ram:ID",
        CHORUS_BUSINESS_PROCESS,
    )
    _el(_el(context, "ram:GuidelineSpecifiedDocumentContextParameter"), "ram:ID", EN16931)

    header = _el(root, "rsm:ExchangedDocument")
    _el(header, "ram:ID", doc.number)
    _el(header, "ram:TypeCode", doc.type_code)
    _date(header, "ram:IssueDateTime", cii_date(doc.issue_date))
    for note in doc.notes:
        _el(_el(header, "ram:IncludedNote"), "ram:Content", note)

    transaction = _el(root, "rsm:SupplyChainTradeTransaction")
    for line in doc.lines:
        _line(transaction, line)
    _agreement(transaction, doc)
    delivery = _el(transaction, "ram:ApplicableHeaderTradeDelivery")
    if doc.service_date is not None:
        _date(
            _el(delivery, "ram:ActualDeliverySupplyChainEvent"),
            "ram:OccurrenceDateTime",
            cii_date(doc.service_date),
        )
    _settlement(transaction, doc)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def _line(transaction: etree._Element, line: Line) -> None:
    item = _el(transaction, "ram:IncludedSupplyChainTradeLineItem")
    _el(_el(item, "ram:AssociatedDocumentLineDocument"), "ram:LineID", str(line.line_no))
    product = _el(item, "ram:SpecifiedTradeProduct")
    _el(product, "ram:SellerAssignedID", line.item_code)
    _el(product, "ram:Name", line.label)
    agreement = _el(item, "ram:SpecifiedLineTradeAgreement")
    _el(_el(agreement, "ram:NetPriceProductTradePrice"), "ram:ChargeAmount", price(line.unit_price))
    delivery = _el(item, "ram:SpecifiedLineTradeDelivery")
    _el(delivery, "ram:BilledQuantity", quantity(line.quantity), unitCode=unit_code(line.unit))
    settlement = _el(item, "ram:SpecifiedLineTradeSettlement")
    tax = _el(settlement, "ram:ApplicableTradeTax")
    _el(tax, "ram:TypeCode", "VAT")
    _el(tax, "ram:CategoryCode", line.vat_category)
    if line.vat_category != "O":  # "not subject to VAT" carries no rate (BR-O-05)
        _el(tax, "ram:RateApplicablePercent", rate(line.vat_rate))
    summation = _el(settlement, "ram:SpecifiedTradeSettlementLineMonetarySummation")
    _el(summation, "ram:LineTotalAmount", amount(line_net(line.quantity, line.unit_price)))


def _address(parent: etree._Element, address: Address) -> None:
    postal = _el(parent, "ram:PostalTradeAddress")
    _el(postal, "ram:PostcodeCode", address.postcode)
    _el(postal, "ram:LineOne", address.line1)
    if address.line2:
        _el(postal, "ram:LineTwo", address.line2)
    _el(postal, "ram:CityName", address.city)
    _el(postal, "ram:CountryID", address.country_code)


def _seller(parent: etree._Element, seller: Seller, doc: BillingDocument) -> None:
    party = _el(parent, "ram:SellerTradeParty")
    _el(party, "ram:GlobalID", seller.siret, schemeID="0009")  # BT-29: the issuing establishment
    _el(party, "ram:Name", seller.name)
    _el(_el(party, "ram:SpecifiedLegalOrganization"), "ram:ID", seller.siren, schemeID="0002")  # BT-30
    _address(party, seller.address)
    _el(_el(party, "ram:URIUniversalCommunication"), "ram:URIID", seller.siret, schemeID="0009")  # BT-34
    if seller.vat_id and _may_carry_vat_ids(doc):
        _el(_el(party, "ram:SpecifiedTaxRegistration"), "ram:ID", seller.vat_id, schemeID="VA")


def _buyer(parent: etree._Element, buyer: Buyer) -> None:
    party = _el(parent, "ram:BuyerTradeParty")
    _el(party, "ram:GlobalID", buyer.siret, schemeID="0009")  # BT-46
    _el(party, "ram:Name", buyer.name)
    _el(_el(party, "ram:SpecifiedLegalOrganization"), "ram:ID", buyer.siret, schemeID="0009")  # BT-47
    _address(party, buyer.address)
    _el(_el(party, "ram:URIUniversalCommunication"), "ram:URIID", buyer.siret, schemeID="0009")  # BT-49


def _may_carry_vat_ids(doc: BillingDocument) -> bool:
    """A document with lines "not subject to VAT" carries no VAT identifier (BR-O-02)."""
    return all(line.vat_category != "O" for line in doc.lines)


def _agreement(transaction: etree._Element, doc: BillingDocument) -> None:
    agreement = _el(transaction, "ram:ApplicableHeaderTradeAgreement")
    if doc.buyer_reference:
        _el(agreement, "ram:BuyerReference", doc.buyer_reference)  # BT-10
    _seller(agreement, doc.seller, doc)
    _buyer(agreement, doc.buyer)
    if doc.sales_order_reference:
        _el(
            _el(agreement, "ram:SellerOrderReferencedDocument"),
            "ram:IssuerAssignedID",
            doc.sales_order_reference,
        )
    _el(
        _el(agreement, "ram:BuyerOrderReferencedDocument"), "ram:IssuerAssignedID", doc.order_reference
    )  # BT-13


def _settlement(transaction: etree._Element, doc: BillingDocument) -> None:
    settlement = _el(transaction, "ram:ApplicableHeaderTradeSettlement")
    if not doc.is_credit_note:
        _el(settlement, "ram:PaymentReference", doc.number)  # BT-83
    _el(settlement, "ram:InvoiceCurrencyCode", "EUR")
    if doc.seller.iban and not doc.is_credit_note:
        means = _el(settlement, "ram:SpecifiedTradeSettlementPaymentMeans")
        _el(means, "ram:TypeCode", "30")  # credit transfer
        _el(_el(means, "ram:PayeePartyCreditorFinancialAccount"), "ram:IBANID", doc.seller.iban)
    for row in doc.totals.vat_breakdown:
        tax = _el(settlement, "ram:ApplicableTradeTax")
        _el(tax, "ram:CalculatedAmount", amount(row.vat_amount))
        _el(tax, "ram:TypeCode", "VAT")
        exemption = EXEMPTIONS.get(row.category)
        if exemption:
            _el(tax, "ram:ExemptionReason", exemption[1])
        _el(tax, "ram:BasisAmount", amount(row.taxable_amount))
        _el(tax, "ram:CategoryCode", row.category)
        if exemption:
            _el(tax, "ram:ExemptionReasonCode", exemption[0])
        if row.category != "O":
            _el(tax, "ram:RateApplicablePercent", rate(row.rate))
    terms = _el(settlement, "ram:SpecifiedTradePaymentTerms")
    _el(terms, "ram:Description", doc.payment_terms)  # BT-20
    if doc.due_date is not None:
        _date(terms, "ram:DueDateDateTime", cii_date(doc.due_date))  # BT-9
    summation = _el(settlement, "ram:SpecifiedTradeSettlementHeaderMonetarySummation")
    _el(summation, "ram:LineTotalAmount", amount(doc.totals.excl_tax))
    _el(summation, "ram:TaxBasisTotalAmount", amount(doc.totals.excl_tax))
    _el(summation, "ram:TaxTotalAmount", amount(doc.totals.vat), currencyID="EUR")
    _el(summation, "ram:GrandTotalAmount", amount(doc.totals.incl_tax))
    _el(summation, "ram:DuePayableAmount", amount(doc.totals.incl_tax))
    if doc.preceding_invoice is not None:
        number, issued = doc.preceding_invoice
        reference = _el(settlement, "ram:InvoiceReferencedDocument")  # BG-3
        _el(reference, "ram:IssuerAssignedID", number)
        _date(reference, "ram:FormattedIssueDateTime", cii_date(issued), ns="qdt")
