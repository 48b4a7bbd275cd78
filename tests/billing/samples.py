# ruff: noqa: E501 - XML documents are data, their lines stay as an invoicing software writes them
"""The contractor's own e-invoices as its invoicing software would send them: a CII (Factur-X EN16931)
and a UBL 2.1 invoice following the CEN examples' structure, with every mandatory business term
(the tests check them against the official EN 16931 rules before using them)."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from shared.contracts.common import DocumentLine

CONTRACTOR = {
    "name": "Éducation Numérique Nord SAS",
    "siren": "812345676",
    "siret": "81234567600025",
    "vat": "FR19812345676",
    "street": "12 rue de la Gare",
    "city": "Villeneuve-d'Ascq",
    "postcode": "59650",
}
SYNDICATE = {"name": "Syndicat mixte Nord-Pas-de-Calais Numérique", "siret": "25590107600018"}
CENT = Decimal("0.01")


def _net(line: DocumentLine) -> Decimal:
    return (line.quantity * line.unit_price).quantize(CENT, ROUND_HALF_UP)


def _totals(lines: list[DocumentLine]) -> tuple[Decimal, dict[Decimal, tuple[Decimal, Decimal]], Decimal]:
    groups: dict[Decimal, Decimal] = {}
    for line in lines:
        groups[line.vat_rate] = groups.get(line.vat_rate, Decimal(0)) + _net(line)
    vat = {rate: (base, (base * rate / 100).quantize(CENT, ROUND_HALF_UP)) for rate, base in groups.items()}
    total = sum(groups.values(), Decimal(0))
    return total, vat, sum((v for _, v in vat.values()), Decimal(0))


def contractor_cii(
    *, number: str, po_number: str | None, lines: list[DocumentLine], issue_date: str = "20261120"
) -> bytes:
    total, vat, vat_total = _totals(lines)
    items = "".join(
        f"""
    <ram:IncludedSupplyChainTradeLineItem>
      <ram:AssociatedDocumentLineDocument><ram:LineID>{n}</ram:LineID></ram:AssociatedDocumentLineDocument>
      <ram:SpecifiedTradeProduct>
        <ram:SellerAssignedID>{line.item_code}</ram:SellerAssignedID>
        <ram:Name>{line.label}</ram:Name>
      </ram:SpecifiedTradeProduct>
      <ram:SpecifiedLineTradeAgreement>
        <ram:BuyerOrderReferencedDocument><ram:LineID>{line.line_no}</ram:LineID></ram:BuyerOrderReferencedDocument>
        <ram:NetPriceProductTradePrice><ram:ChargeAmount>{line.unit_price}</ram:ChargeAmount></ram:NetPriceProductTradePrice>
      </ram:SpecifiedLineTradeAgreement>
      <ram:SpecifiedLineTradeDelivery>
        <ram:BilledQuantity unitCode="C62">{line.quantity}</ram:BilledQuantity>
      </ram:SpecifiedLineTradeDelivery>
      <ram:SpecifiedLineTradeSettlement>
        <ram:ApplicableTradeTax>
          <ram:TypeCode>VAT</ram:TypeCode>
          <ram:CategoryCode>{line.vat_category}</ram:CategoryCode>
          <ram:RateApplicablePercent>{line.vat_rate}</ram:RateApplicablePercent>
        </ram:ApplicableTradeTax>
        <ram:SpecifiedTradeSettlementLineMonetarySummation>
          <ram:LineTotalAmount>{_net(line)}</ram:LineTotalAmount>
        </ram:SpecifiedTradeSettlementLineMonetarySummation>
      </ram:SpecifiedLineTradeSettlement>
    </ram:IncludedSupplyChainTradeLineItem>"""
        for n, line in enumerate(lines, start=10)
    )
    taxes = "".join(
        f"""
      <ram:ApplicableTradeTax>
        <ram:CalculatedAmount>{amount}</ram:CalculatedAmount>
        <ram:TypeCode>VAT</ram:TypeCode>
        <ram:BasisAmount>{base}</ram:BasisAmount>
        <ram:CategoryCode>S</ram:CategoryCode>
        <ram:RateApplicablePercent>{rate}</ram:RateApplicablePercent>
      </ram:ApplicableTradeTax>"""
        for rate, (base, amount) in vat.items()
    )
    order = (
        f"<ram:BuyerOrderReferencedDocument><ram:IssuerAssignedID>{po_number}</ram:IssuerAssignedID>"
        "</ram:BuyerOrderReferencedDocument>"
        if po_number
        else ""
    )
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<rsm:CrossIndustryInvoice xmlns:rsm="urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100"
  xmlns:qdt="urn:un:unece:uncefact:data:standard:QualifiedDataType:100"
  xmlns:ram="urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100"
  xmlns:udt="urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100">
  <rsm:ExchangedDocumentContext>
    <ram:GuidelineSpecifiedDocumentContextParameter><ram:ID>urn:cen.eu:en16931:2017</ram:ID></ram:GuidelineSpecifiedDocumentContextParameter>
  </rsm:ExchangedDocumentContext>
  <rsm:ExchangedDocument>
    <ram:ID>{number}</ram:ID>
    <ram:TypeCode>380</ram:TypeCode>
    <ram:IssueDateTime><udt:DateTimeString format="102">{issue_date}</udt:DateTimeString></ram:IssueDateTime>
    <ram:IncludedNote><ram:Content>Pénalités de retard : taux BCE + 8 points ; indemnité forfaitaire de 40 €.</ram:Content><ram:SubjectCode>PMD</ram:SubjectCode></ram:IncludedNote>
  </rsm:ExchangedDocument>
  <rsm:SupplyChainTradeTransaction>{items}
    <ram:ApplicableHeaderTradeAgreement>
      <ram:BuyerReference>MARCHE-ENT-2024</ram:BuyerReference>
      <ram:SellerTradeParty>
        <ram:Name>{CONTRACTOR["name"]}</ram:Name>
        <ram:SpecifiedLegalOrganization><ram:ID schemeID="0002">{CONTRACTOR["siren"]}</ram:ID></ram:SpecifiedLegalOrganization>
        <ram:PostalTradeAddress>
          <ram:PostcodeCode>{CONTRACTOR["postcode"]}</ram:PostcodeCode>
          <ram:LineOne>{CONTRACTOR["street"]}</ram:LineOne>
          <ram:CityName>{CONTRACTOR["city"]}</ram:CityName>
          <ram:CountryID>FR</ram:CountryID>
        </ram:PostalTradeAddress>
        <ram:SpecifiedTaxRegistration><ram:ID schemeID="VA">{CONTRACTOR["vat"]}</ram:ID></ram:SpecifiedTaxRegistration>
      </ram:SellerTradeParty>
      <ram:BuyerTradeParty>
        <ram:Name>{SYNDICATE["name"]}</ram:Name>
        <ram:SpecifiedLegalOrganization><ram:ID schemeID="0009">{SYNDICATE["siret"]}</ram:ID></ram:SpecifiedLegalOrganization>
        <ram:PostalTradeAddress>
          <ram:PostcodeCode>59800</ram:PostcodeCode>
          <ram:LineOne>151 boulevard Hoover</ram:LineOne>
          <ram:CityName>Lille</ram:CityName>
          <ram:CountryID>FR</ram:CountryID>
        </ram:PostalTradeAddress>
      </ram:BuyerTradeParty>
      {order}
    </ram:ApplicableHeaderTradeAgreement>
    <ram:ApplicableHeaderTradeDelivery>
      <ram:ActualDeliverySupplyChainEvent><ram:OccurrenceDateTime><udt:DateTimeString format="102">20261115</udt:DateTimeString></ram:OccurrenceDateTime></ram:ActualDeliverySupplyChainEvent>
    </ram:ApplicableHeaderTradeDelivery>
    <ram:ApplicableHeaderTradeSettlement>
      <ram:PaymentReference>{number}</ram:PaymentReference>
      <ram:InvoiceCurrencyCode>EUR</ram:InvoiceCurrencyCode>
      <ram:SpecifiedTradeSettlementPaymentMeans>
        <ram:TypeCode>30</ram:TypeCode>
        <ram:PayeePartyCreditorFinancialAccount><ram:IBANID>FR7630006000011234567890189</ram:IBANID></ram:PayeePartyCreditorFinancialAccount>
      </ram:SpecifiedTradeSettlementPaymentMeans>{taxes}
      <ram:SpecifiedTradePaymentTerms>
        <ram:Description>Paiement à 30 jours à réception (délai global de paiement).</ram:Description>
        <ram:DueDateDateTime><udt:DateTimeString format="102">20261220</udt:DateTimeString></ram:DueDateDateTime>
      </ram:SpecifiedTradePaymentTerms>
      <ram:SpecifiedTradeSettlementHeaderMonetarySummation>
        <ram:LineTotalAmount>{total}</ram:LineTotalAmount>
        <ram:TaxBasisTotalAmount>{total}</ram:TaxBasisTotalAmount>
        <ram:TaxTotalAmount currencyID="EUR">{vat_total}</ram:TaxTotalAmount>
        <ram:GrandTotalAmount>{total + vat_total}</ram:GrandTotalAmount>
        <ram:DuePayableAmount>{total + vat_total}</ram:DuePayableAmount>
      </ram:SpecifiedTradeSettlementHeaderMonetarySummation>
    </ram:ApplicableHeaderTradeSettlement>
  </rsm:SupplyChainTradeTransaction>
</rsm:CrossIndustryInvoice>
""".encode()


def contractor_ubl(
    *, number: str, po_number: str | None, lines: list[DocumentLine], issue_date: str = "2026-11-20"
) -> bytes:
    total, vat, vat_total = _totals(lines)
    subtotals = "".join(
        f"""
    <cac:TaxSubtotal>
      <cbc:TaxableAmount currencyID="EUR">{base}</cbc:TaxableAmount>
      <cbc:TaxAmount currencyID="EUR">{amount}</cbc:TaxAmount>
      <cac:TaxCategory><cbc:ID>S</cbc:ID><cbc:Percent>{rate}</cbc:Percent><cac:TaxScheme><cbc:ID>VAT</cbc:ID></cac:TaxScheme></cac:TaxCategory>
    </cac:TaxSubtotal>"""
        for rate, (base, amount) in vat.items()
    )
    invoice_lines = "".join(
        f"""
  <cac:InvoiceLine>
    <cbc:ID>{n}</cbc:ID>
    <cbc:InvoicedQuantity unitCode="C62">{line.quantity}</cbc:InvoicedQuantity>
    <cbc:LineExtensionAmount currencyID="EUR">{_net(line)}</cbc:LineExtensionAmount>
    <cac:OrderLineReference><cbc:LineID>{line.line_no}</cbc:LineID></cac:OrderLineReference>
    <cac:Item>
      <cbc:Name>{line.label}</cbc:Name>
      <cac:SellersItemIdentification><cbc:ID>{line.item_code}</cbc:ID></cac:SellersItemIdentification>
      <cac:ClassifiedTaxCategory><cbc:ID>{line.vat_category}</cbc:ID><cbc:Percent>{line.vat_rate}</cbc:Percent><cac:TaxScheme><cbc:ID>VAT</cbc:ID></cac:TaxScheme></cac:ClassifiedTaxCategory>
    </cac:Item>
    <cac:Price><cbc:PriceAmount currencyID="EUR">{line.unit_price}</cbc:PriceAmount></cac:Price>
  </cac:InvoiceLine>"""
        for n, line in enumerate(lines, start=1)
    )
    order = f"<cac:OrderReference><cbc:ID>{po_number}</cbc:ID></cac:OrderReference>" if po_number else ""
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"
  xmlns:cac="urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"
  xmlns:cbc="urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2">
  <cbc:CustomizationID>urn:cen.eu:en16931:2017</cbc:CustomizationID>
  <cbc:ID>{number}</cbc:ID>
  <cbc:IssueDate>{issue_date}</cbc:IssueDate>
  <cbc:DueDate>2026-12-20</cbc:DueDate>
  <cbc:InvoiceTypeCode>380</cbc:InvoiceTypeCode>
  <cbc:Note>Pénalités de retard : taux BCE + 8 points ; indemnité forfaitaire de 40 €.</cbc:Note>
  <cbc:DocumentCurrencyCode>EUR</cbc:DocumentCurrencyCode>
  <cbc:BuyerReference>MARCHE-ENT-2024</cbc:BuyerReference>
  {order}
  <cac:AccountingSupplierParty><cac:Party>
    <cac:PostalAddress>
      <cbc:StreetName>{CONTRACTOR["street"]}</cbc:StreetName>
      <cbc:CityName>{CONTRACTOR["city"]}</cbc:CityName>
      <cbc:PostalZone>{CONTRACTOR["postcode"]}</cbc:PostalZone>
      <cac:Country><cbc:IdentificationCode>FR</cbc:IdentificationCode></cac:Country>
    </cac:PostalAddress>
    <cac:PartyTaxScheme><cbc:CompanyID>{CONTRACTOR["vat"]}</cbc:CompanyID><cac:TaxScheme><cbc:ID>VAT</cbc:ID></cac:TaxScheme></cac:PartyTaxScheme>
    <cac:PartyLegalEntity><cbc:RegistrationName>{CONTRACTOR["name"]}</cbc:RegistrationName><cbc:CompanyID schemeID="0002">{CONTRACTOR["siren"]}</cbc:CompanyID></cac:PartyLegalEntity>
  </cac:Party></cac:AccountingSupplierParty>
  <cac:AccountingCustomerParty><cac:Party>
    <cac:PostalAddress>
      <cbc:StreetName>151 boulevard Hoover</cbc:StreetName>
      <cbc:CityName>Lille</cbc:CityName>
      <cbc:PostalZone>59800</cbc:PostalZone>
      <cac:Country><cbc:IdentificationCode>FR</cbc:IdentificationCode></cac:Country>
    </cac:PostalAddress>
    <cac:PartyLegalEntity><cbc:RegistrationName>{SYNDICATE["name"]}</cbc:RegistrationName><cbc:CompanyID schemeID="0009">{SYNDICATE["siret"]}</cbc:CompanyID></cac:PartyLegalEntity>
  </cac:Party></cac:AccountingCustomerParty>
  <cac:Delivery><cbc:ActualDeliveryDate>2026-11-15</cbc:ActualDeliveryDate></cac:Delivery>
  <cac:PaymentMeans>
    <cbc:PaymentMeansCode>30</cbc:PaymentMeansCode>
    <cac:PayeeFinancialAccount><cbc:ID>FR7630006000011234567890189</cbc:ID></cac:PayeeFinancialAccount>
  </cac:PaymentMeans>
  <cac:PaymentTerms><cbc:Note>Paiement à 30 jours à réception (délai global de paiement).</cbc:Note></cac:PaymentTerms>
  <cac:TaxTotal>
    <cbc:TaxAmount currencyID="EUR">{vat_total}</cbc:TaxAmount>{subtotals}
  </cac:TaxTotal>
  <cac:LegalMonetaryTotal>
    <cbc:LineExtensionAmount currencyID="EUR">{total}</cbc:LineExtensionAmount>
    <cbc:TaxExclusiveAmount currencyID="EUR">{total}</cbc:TaxExclusiveAmount>
    <cbc:TaxInclusiveAmount currencyID="EUR">{total + vat_total}</cbc:TaxInclusiveAmount>
    <cbc:PayableAmount currencyID="EUR">{total + vat_total}</cbc:PayableAmount>
  </cac:LegalMonetaryTotal>{invoice_lines}
</Invoice>
""".encode()
