"""The purchase order's rules, on the domain objects alone: service done, cancellation, transmission."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from services.orders.domain.member_directory import (
    ChorusReferences,
    ChorusRequirement,
    MemberIdentity,
    PostalAddress,
)
from services.orders.domain.purchase_order import (
    AttestedLine,
    PurchaseOrder,
    PurchaseOrderStatus,
    ServiceAttestation,
    transmission_backoff,
)
from services.orders.domain.quote import Acceptance, Quote, QuoteLine, QuoteStatus
from shared.errors import BusinessRuleViolation, Conflict

DAY = dt.date(2026, 3, 2)
AT = dt.datetime(2026, 3, 2, 9, tzinfo=dt.UTC)
BUYER = MemberIdentity(
    "m1",
    "commune",
    "Commune d'Arras",
    "123456782",
    "12345678200017",
    PostalAddress("1 place", "62000", "Arras"),
    None,
    ChorusRequirement.NONE,
)


def line(line_no: int, quantity: str) -> QuoteLine:
    return QuoteLine(
        line_no,
        f"ITEM-{line_no}",
        "Article",
        "u",
        Decimal(quantity),
        Decimal("10.00"),
        "S",
        Decimal("20.00"),
        "BPU",
        "M-1",
        DAY,
    )


def order() -> PurchaseOrder:
    quote = Quote(
        "q1", "DV-2026-000001", "m1", DAY, DAY + dt.timedelta(days=30), [line(1, "4"), line(2, "1.5")]
    )
    quote.status = QuoteStatus.ACCEPTED
    quote.acceptance = Acceptance("Mme A", AT, DAY, ChorusReferences(None, None))
    return PurchaseOrder.for_accepted_quote(id="p1", po_number="BC-2026-000001", quote=quote, buyer=BUYER)


def attestation(*lines: tuple[int, str], on: dt.date = DAY) -> ServiceAttestation:
    return ServiceAttestation("a", on, "M. Martin", AT, tuple(AttestedLine(n, Decimal(q)) for n, q in lines))


def test_partial_attestations_add_up_to_fully_done() -> None:
    po = order()
    po.attest(attestation((1, "3")), today=DAY)
    assert po.status is PurchaseOrderStatus.PARTLY_DONE and po.attested_quantity(1) == Decimal(3)
    po.attest(attestation((1, "1"), (2, "1.5")), today=DAY)
    assert po.status is PurchaseOrderStatus.FULLY_DONE


def test_an_attestation_above_the_quantity_ordered_is_refused_naming_the_line() -> None:
    po = order()
    po.attest(attestation((1, "3")), today=DAY)
    with pytest.raises(BusinessRuleViolation) as refused:
        po.attest(attestation((2, "1"), (1, "1.001")), today=DAY)
    assert refused.value.field == "lines.1.quantity" and "line 1" in refused.value.detail
    assert po.attested_quantity(2) == 0 and po.status is PurchaseOrderStatus.PARTLY_DONE  # nothing applied


@pytest.mark.parametrize(
    ("lines", "on", "field"),
    [
        (((3, "1"),), DAY, "lines.0.line_no"),
        (((1, "1"), (1, "1")), DAY, "lines.1.line_no"),
        (((1, "0"),), DAY, "lines.0.quantity"),
        (((1, "1"),), DAY + dt.timedelta(days=1), "attested_on"),
        (((1, "1"),), DAY - dt.timedelta(days=1), "attested_on"),
        ((), DAY, "lines"),
    ],
)
def test_attestations_that_break_a_rule_are_refused(lines, on, field) -> None:
    with pytest.raises(BusinessRuleViolation) as refused:
        order().attest(attestation(*lines, on=on), today=DAY)
    assert refused.value.field == field


def test_a_purchase_order_is_cancelled_only_before_the_contractor_acknowledged_it() -> None:
    po = order()
    po.record_transmission(at=AT, contractor_reference="T-1")
    assert po.cancel(at=AT, by="M. Martin", reason="doublon") is True  # the contractor had it
    acknowledged = order()
    assert acknowledged.acknowledge(at=AT, contractor_reference="T-2") is True
    assert acknowledged.acknowledge(at=AT, contractor_reference="T-2") is False  # a repeat is no news
    with pytest.raises(Conflict):
        acknowledged.cancel(at=AT, by="M. Martin", reason="trop tard")
    attested = order()
    attested.attest(attestation((1, "1")), today=DAY)
    with pytest.raises(Conflict):
        attested.cancel(at=AT, by="M. Martin", reason="x")


def test_transmission_is_scheduled_once_and_a_refusal_is_not_rescheduled_by_a_redelivery() -> None:
    po = order()
    assert po.schedule_transmission(at=AT) is True
    assert po.schedule_transmission(at=AT) is False
    po.transmission_attempts = 1
    po.record_transmission_failure(at=AT, reason="HTTP 422", retry_at=None)
    assert po.transmission_due_at is None and po.history[-1].kind == "transmission_refused"
    assert po.schedule_transmission(at=AT) is False


def test_transmission_backoff_doubles_and_is_capped() -> None:
    delays = [transmission_backoff(n, base_s=5, max_s=300).total_seconds() for n in (1, 2, 3, 7, 30)]
    assert delays == [5, 10, 20, 300, 300]


def test_closing_needs_the_contractor_to_have_acknowledged() -> None:
    po = order()
    with pytest.raises(Conflict):
        po.close(at=AT, by="x", reason=None)
    po.attest(attestation((1, "4"), (2, "1.5")), today=DAY)
    po.close(at=AT, by="x", reason=None)
    assert po.status is PurchaseOrderStatus.CLOSED


def test_service_attested_before_transmission_still_gets_the_order_transmitted_once() -> None:
    po = order()
    assert po.schedule_transmission(at=AT) is True
    po.attest(attestation((1, "1")), today=DAY)  # service done reported before the contractor answered
    po.transmission_attempts = 1
    later = AT + dt.timedelta(minutes=1)
    po.record_transmission_failure(at=AT, reason="timeout", retry_at=later)
    assert po.transmission_due_at == later  # still retried: the contractor does not hold it yet
    assert po.record_transmission(at=later, contractor_reference="T-9") is True
    assert po.transmitted_at == later and po.status is PurchaseOrderStatus.PARTLY_DONE
    assert po.record_transmission(at=later, contractor_reference="T-9") is False  # no news twice
    assert po.schedule_transmission(at=later) is False


def test_an_acknowledgement_is_recorded_whenever_it_comes() -> None:
    overtaking = order()  # the acknowledgement overtakes the transmission's own answer
    assert overtaking.record_transmission(at=AT, contractor_reference=None) is True
    assert overtaking.acknowledge(at=AT, contractor_reference="T-3") is True
    assert overtaking.status is PurchaseOrderStatus.ACKNOWLEDGED and overtaking.contractor_reference == "T-3"
    late = order()  # after service done: recorded, the status stays where the work is
    late.record_transmission(at=AT, contractor_reference="T-4")
    late.attest(attestation((1, "4"), (2, "1.5")), today=DAY)
    assert late.acknowledge(at=AT, contractor_reference="T-4") is True
    assert late.acknowledged_at == AT and late.status is PurchaseOrderStatus.FULLY_DONE
    cancelled = order()
    cancelled.cancel(at=AT, by="M. Martin", reason="doublon")
    assert cancelled.record_transmission(at=AT, contractor_reference="T-5") is False
