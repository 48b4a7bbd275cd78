"""From domain objects to the published contracts (what billing and others read)."""

from __future__ import annotations

from dataclasses import asdict

from services.orders.domain.member_directory import MemberIdentity
from services.orders.domain.purchase_order import PurchaseOrder, ServiceAttestation
from services.orders.domain.quote import Quote, QuoteLine
from shared.contracts.common import ChorusRequirement, DocumentLine, PartySnapshot, PostalAddress
from shared.contracts.orders import (
    AttestedQuantity,
    PurchaseOrderAcknowledged,
    PurchaseOrderIssued,
    PurchaseOrderTransmitted,
    QuoteAccepted,
    ServiceAttested,
)


def document_line(line: QuoteLine) -> DocumentLine:
    return DocumentLine(
        line_no=line.line_no,
        item_code=line.item_code,
        label=line.label,
        unit=line.unit,
        quantity=line.quantity,
        unit_price=line.unit_price,
        vat_category=line.vat_category,
        vat_rate=line.vat_rate,
    )


def party_snapshot(identity: MemberIdentity) -> PartySnapshot:
    return PartySnapshot(
        member_id=identity.member_id,
        name=identity.name,
        siren=identity.siren,
        siret=identity.siret,
        address=PostalAddress(**asdict(identity.address)),
        service_code=identity.service_code,
        chorus_requirement=ChorusRequirement(identity.chorus_requirement.value),
    )


def quote_accepted(quote: Quote) -> QuoteAccepted:
    assert quote.acceptance is not None
    return QuoteAccepted(
        quote_id=quote.id,
        quote_number=quote.number,
        member_id=quote.member_id,
        accepted_by=quote.acceptance.accepted_by,
        accepted_at=quote.acceptance.accepted_at,
        commitment_number=quote.acceptance.references.commitment_number,
        total_excl_tax=quote.totals.total_excl_tax,
    )


def purchase_order_issued(order: PurchaseOrder) -> PurchaseOrderIssued:
    totals = order.totals
    return PurchaseOrderIssued(
        purchase_order_id=order.id,
        po_number=order.po_number,
        quote_id=order.quote_id,
        quote_number=order.quote_number,
        issued_on=order.issued_on,
        buyer=party_snapshot(order.buyer),
        commitment_number=order.commitment_number,
        lines=[document_line(line) for line in order.lines],
        total_excl_tax=totals.total_excl_tax,
        total_vat=totals.total_vat,
        total_incl_tax=totals.total_incl_tax,
    )


def purchase_order_transmitted(order: PurchaseOrder) -> PurchaseOrderTransmitted:
    assert order.transmitted_at is not None and order.contractor_reference is not None
    return PurchaseOrderTransmitted(
        purchase_order_id=order.id,
        po_number=order.po_number,
        member_id=order.member_id,
        transmitted_at=order.transmitted_at,
        contractor_reference=order.contractor_reference,
        attempts=max(1, order.transmission_attempts),
    )


def purchase_order_acknowledged(order: PurchaseOrder) -> PurchaseOrderAcknowledged:
    assert order.acknowledged_at is not None
    return PurchaseOrderAcknowledged(
        purchase_order_id=order.id,
        po_number=order.po_number,
        member_id=order.member_id,
        acknowledged_at=order.acknowledged_at,
        contractor_reference=order.contractor_reference,
    )


def service_attested(order: PurchaseOrder, attestation: ServiceAttestation) -> ServiceAttested:
    return ServiceAttested(
        attestation_id=attestation.id,
        purchase_order_id=order.id,
        po_number=order.po_number,
        member_id=order.member_id,
        attested_on=attestation.attested_on,
        attested_by=attestation.attested_by,
        lines=[AttestedQuantity(line_no=x.line_no, quantity=x.quantity) for x in attestation.lines],
    )
