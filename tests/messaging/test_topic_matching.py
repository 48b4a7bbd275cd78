"""The in-process broker routes like RabbitMQ's topic exchange."""

import pytest

from shared.messaging.topology import topic_matches


@pytest.mark.parametrize(
    ("pattern", "key", "expected"),
    [
        ("members.#", "members.member.registered", True),
        ("members.#", "members", True),
        ("members.*", "members.member.registered", False),
        ("members.*.registered", "members.member.registered", True),
        ("#", "anything.at.all", True),
        ("billing.supplier_invoice.matched", "billing.supplier_invoice.matched", True),
        ("billing.supplier_invoice.matched", "billing.supplier_invoice.exception", False),
        ("orders.#.issued", "orders.purchase_order.issued", True),
        ("orders.#.issued", "orders.issued", True),
        ("*.quote.*", "orders.quote", False),
    ],
)
def test_topic_patterns_follow_amqp_rules(pattern: str, key: str, expected: bool) -> None:
    assert topic_matches(pattern, key) is expected
