"""Chorus Pro, payment and dunning facts to the published contracts (shared.contracts.billing)."""

from __future__ import annotations

from services.billing.domain.chorus_status import (
    Effect,
    MadeAvailable,
    PaymentOrdered,
    Returned,
    Transmission,
)
from shared.contracts.billing import InvoiceMadeAvailable, InvoiceReturned, InvoiceTransmitted
from shared.contracts.envelope import Event


def invoice_transmitted(t: Transmission, by: str) -> InvoiceTransmitted:
    assert t.flux_number is not None and t.deposited_at is not None
    return InvoiceTransmitted(
        invoice_id=t.invoice_id,
        number=t.invoice_number,
        member_id=t.member_id,
        flux_number=t.flux_number,
        deposited_at=t.deposited_at,
        transmitted_by=by,
    )


def effect_events(t: Transmission, effects: list[Effect]) -> list[Event]:
    """MISE_EN_PAIEMENT is recorded in the history only: the member's payment is known from the
    treasury's statement, not from the member's own accounting."""
    events: list[Event] = []
    for effect in effects:
        if isinstance(effect, MadeAvailable):
            events.append(
                InvoiceMadeAvailable(
                    invoice_id=t.invoice_id,
                    number=t.invoice_number,
                    member_id=t.member_id,
                    made_available_on=effect.on,
                    due_date=effect.due_date,
                )
            )
        elif isinstance(effect, Returned):
            events.append(
                InvoiceReturned(
                    invoice_id=t.invoice_id,
                    number=t.invoice_number,
                    member_id=t.member_id,
                    status=effect.status.value,
                    returned_at=effect.at,
                    reason=effect.reason,
                )
            )
        elif isinstance(effect, PaymentOrdered):
            pass
    return events
