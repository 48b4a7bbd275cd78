"""Contracts: the envelope round-trips, payloads are validated, and the published schemas are current."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from pydantic import ValidationError

from shared.contracts import Envelope, parse_event, registry
from shared.contracts.common import DocumentLine
from shared.contracts.envelope import UnknownEventType
from shared.contracts.members import AdhesionApproved, AdhesionOption
from shared.contracts.schema import main as schema_main


def test_an_envelope_round_trips_through_json_with_its_payload_validated() -> None:
    event = AdhesionApproved(
        adhesion_id="a",
        member_id="m",
        effective_date=dt.date(2026, 3, 1),
        option=AdhesionOption.BASE,
        decided_on=dt.date(2026, 2, 1),
    )
    envelope = Envelope.wrap(event, producer="members", correlation_id="flow-1", causation_id="req-9")
    again = Envelope.model_validate_json(envelope.model_dump_json())
    assert again == envelope
    assert parse_event(again) == event
    assert again.occurred_at.tzinfo is not None


def test_amounts_travel_as_decimal_strings_never_floats() -> None:
    line = DocumentLine(
        line_no=1,
        item_code="X",
        label="x",
        unit="u",
        quantity=Decimal("3"),
        unit_price=Decimal("1.10"),
        vat_category="S",
        vat_rate=Decimal("20.00"),
    )
    dumped = line.model_dump(mode="json")
    assert dumped["unit_price"] == "1.10" and dumped["vat_rate"] == "20.00"


def test_an_unknown_type_or_version_is_reported_not_guessed() -> None:
    envelope = Envelope.wrap(
        AdhesionApproved(
            adhesion_id="a",
            member_id="m",
            effective_date=dt.date(2026, 3, 1),
            option=AdhesionOption.BASE,
            decided_on=dt.date(2026, 2, 1),
        ),
        producer="members",
        correlation_id="c",
    )
    with pytest.raises(UnknownEventType):
        parse_event(envelope.model_copy(update={"schema_version": 99}))


def test_a_payload_with_unknown_fields_is_refused() -> None:
    with pytest.raises(ValidationError):
        AdhesionApproved.model_validate(
            {
                "adhesion_id": "a",
                "member_id": "m",
                "effective_date": "2026-03-01",
                "option": "base",
                "decided_on": "2026-02-01",
                "surprise": 1,
            }
        )


def test_every_routing_key_is_named_service_entity_past_tense_verb() -> None:
    for event in registry.published():
        parts = event.TYPE.split(".")
        assert len(parts) == 3 and parts[0] in {"members", "orders", "billing"}, event.TYPE


def test_the_published_json_schemas_match_the_contracts() -> None:
    assert schema_main(["--check"]) == 0, "run: python -m shared.contracts.schema"


def test_every_event_has_at_least_one_queue_so_the_outbox_never_holds_it_as_unroutable() -> None:
    from shared.contracts.topology import system_topology
    from shared.messaging.topology import topic_matches

    topology = system_topology()
    unrouted = [
        event.TYPE
        for event in registry.published()
        if not any(topic_matches(key, event.TYPE) for queue in topology.queues for key in queue.binding_keys)
    ]
    assert unrouted == []
