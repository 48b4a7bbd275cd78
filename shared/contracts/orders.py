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
