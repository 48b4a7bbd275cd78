"""Events published by the orders service (routing keys `orders.*`)."""

from __future__ import annotations

import datetime as dt

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from shared.contracts.common import Amount, DocumentLine, PartySnapshot
from shared.contracts.envelope import Event


class QuoteAccepted(Event):
    """A member accepted a quote (devis accepté); exactly one purchase order follows."""

    TYPE = "orders.quote.accepted"
    quote_id: str
    quote_number: str
    member_id: str
    accepted_by: str
    accepted_at: AwareDatetime
    commitment_number: str | None
    total_excl_tax: Amount


class PurchaseOrderIssued(Event):
    """A purchase order (bon de commande) to the ENT contractor, with what billing needs to rebill it."""

    TYPE = "orders.purchase_order.issued"
    purchase_order_id: str
    po_number: str
    quote_id: str
    quote_number: str
    issued_on: dt.date
    buyer: PartySnapshot
    commitment_number: str | None
    lines: list[DocumentLine]
    total_excl_tax: Amount
    total_vat: Amount | None = None
    total_incl_tax: Amount | None = None


class QuoteSent(Event):
    """The syndicate sent a quote (devis) to the member; it can be accepted until `valid_until`."""

    TYPE = "orders.quote.sent"
    quote_id: str
    quote_number: str
    member_id: str
    sent_on: dt.date
    valid_until: dt.date
    total_excl_tax: Amount
    total_incl_tax: Amount


class QuoteRefused(Event):
    """The member refused a quote (devis refusé); no purchase order follows."""

    TYPE = "orders.quote.refused"
    quote_id: str
    quote_number: str
    member_id: str
    refused_on: dt.date
    reason: str | None = None


class QuoteCancelled(Event):
    """The syndicate withdrew a quote before the member answered (devis annulé)."""

    TYPE = "orders.quote.cancelled"
    quote_id: str
    quote_number: str
    member_id: str
    cancelled_on: dt.date


class AttestedQuantity(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    line_no: int = Field(ge=1, description="The PO line attested.")
    quantity: Amount = Field(description="Quantity attested as done by this attestation (not cumulative).")


class ServiceAttested(Event):
    """The syndicate attested that ordered services were delivered (service fait), all or part of a PO.

    Quantities are those of this attestation; a consumer sums them per PO line. Never more than ordered.
    """

    TYPE = "orders.service.attested"
    attestation_id: str
    purchase_order_id: str
    po_number: str
    member_id: str
    attested_on: dt.date
    attested_by: str
    lines: list[AttestedQuantity]


class QuoteExpired(Event):
    """An open quote (draft or sent) passed its validity date unanswered (devis expiré); recorded once
    by the orders service's expiry job, the day after `valid_until` at the earliest."""

    TYPE = "orders.quote.expired"
    quote_id: str
    quote_number: str
    member_id: str
    valid_until: dt.date
    expired_on: dt.date


class PurchaseOrderTransmitted(Event):
    """The contractor's system holds the purchase order (transmis au titulaire), under its own reference.
    Emitted once per PO, however many attempts it took (`attempts`)."""

    TYPE = "orders.purchase_order.transmitted"
    purchase_order_id: str
    po_number: str
    member_id: str
    transmitted_at: AwareDatetime
    contractor_reference: str
    attempts: int = Field(ge=1)


class PurchaseOrderAcknowledged(Event):
    """The contractor acknowledged the purchase order (accusé de réception): it can no longer be cancelled."""

    TYPE = "orders.purchase_order.acknowledged"
    purchase_order_id: str
    po_number: str
    member_id: str
    acknowledged_at: AwareDatetime
    contractor_reference: str | None = None


class PurchaseOrderCancelled(Event):
    """Compensation: a purchase order withdrawn before the contractor acknowledged it (bon de commande
    annulé). Nothing will be delivered, attested or rebilled under it; `contractor_notified` says the
    contractor had it and was told to drop it."""

    TYPE = "orders.purchase_order.cancelled"
    purchase_order_id: str
    po_number: str
    quote_id: str
    member_id: str
    cancelled_at: AwareDatetime
    cancelled_by: str
    reason: str
    contractor_notified: bool


class PurchaseOrderClosed(Event):
    """Nothing more is expected under this purchase order (soldé): no further attestation will come.
    `fully_done` is false when staff closed it with quantities left undelivered."""

    TYPE = "orders.purchase_order.closed"
    purchase_order_id: str
    po_number: str
    member_id: str
    closed_at: AwareDatetime
    closed_by: str
    reason: str | None = None
    fully_done: bool
