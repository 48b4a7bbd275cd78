"""Exchanges and queues, declared in code so every environment has the same shape.

For each consumer queue `Q` (one per consuming service and purpose):
- `Q` is a durable quorum queue bound to the events exchange; a message its handler cannot process is
  rejected and dead-lettered (at-least-once) through the retry exchange to `Q.retry`;
- `Q.retry` holds it for `retry_delay_ms`, then dead-letters it back to `Q` (bounded by `max_attempts`);
- after the last attempt the consumer moves it to `Q.parking`, where staff list, inspect and replay it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

EVENTS_EXCHANGE = "ent.events"
RETRY_EXCHANGE = "ent.retry"


@dataclass(frozen=True)
class ConsumerQueue:
    name: str
    binding_keys: tuple[str, ...]
    max_attempts: int = 5
    retry_delay_ms: int = 2000

    @property
    def retry_queue(self) -> str:
        return f"{self.name}.retry"

    @property
    def parking_queue(self) -> str:
        return f"{self.name}.parking"


@dataclass(frozen=True)
class Topology:
    queues: tuple[ConsumerQueue, ...] = field(default_factory=tuple)
    events_exchange: str = EVENTS_EXCHANGE
    retry_exchange: str = RETRY_EXCHANGE

    def queue(self, name: str) -> ConsumerQueue:
        for queue in self.queues:
            if queue.name == name:
                return queue
        raise KeyError(name)


def topic_matches(pattern: str, routing_key: str) -> bool:
    """AMQP topic matching: `*` is exactly one word, `#` zero or more words."""
    return _match(pattern.split("."), routing_key.split("."))


def _match(pattern: list[str], words: list[str]) -> bool:
    if not pattern:
        return not words
    head, rest = pattern[0], pattern[1:]
    if head == "#":
        return any(_match(rest, words[i:]) for i in range(len(words) + 1))
    if not words:
        return False
    return (head == "*" or head == words[0]) and _match(rest, words[1:])
