"""Versioned message contracts: the envelope and every event payload, by routing key and version.

A service imports other services' contracts from here, never their code.
"""

from shared.contracts.envelope import Envelope, Event, parse_event, registry

__all__ = ["Envelope", "Event", "parse_event", "registry"]

# Importing the modules registers every contract.
from shared.contracts import billing, members, orders  # noqa: F401
