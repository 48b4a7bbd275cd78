"""Chooses the broker adapter from the settings."""

from __future__ import annotations

from shared.messaging.broker import Broker
from shared.messaging.inprocess import InProcessBroker
from shared.messaging.rabbitmq import RabbitMQBroker
from shared.settings import BrokerKind, CommonSettings


def make_broker(settings: CommonSettings, *, connection_name: str) -> Broker:
    if settings.broker is BrokerKind.INPROCESS:
        return InProcessBroker()
    return RabbitMQBroker(settings.amqp_url, connection_name=connection_name)
