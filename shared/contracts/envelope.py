"""The message envelope of ARCHITECTURE.md and the base of every event payload."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any, ClassVar

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field


class Event(BaseModel):
    """Base of an event payload. Subclasses set the routing key (`service.entity.past_tense_verb`)
    and the schema version; a breaking change is a new class with the next version."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    TYPE: ClassVar[str]
    VERSION: ClassVar[int] = 1

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "TYPE" in cls.__dict__:
            registry.register(cls)


class Envelope(BaseModel):
    """What travels on the wire around a payload."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    message_id: uuid.UUID = Field(description="Unique per message; the inbox deduplicates on it.")
    type: str = Field(description="Routing key, `service.entity.past_tense_verb`.")
    schema_version: int = Field(ge=1)
    occurred_at: AwareDatetime = Field(description="When the fact happened, UTC.")
    producer: str = Field(description="The service that published the event.")
    correlation_id: str = Field(description="The business flow this message belongs to.")
    causation_id: str | None = Field(default=None, description="The message or request that caused it.")
    payload: dict[str, Any]

    @classmethod
    def wrap(
        cls,
        event: Event,
        *,
        producer: str,
        correlation_id: str,
        causation_id: str | None = None,
        occurred_at: datetime | None = None,
    ) -> Envelope:
        return cls(
            message_id=uuid.uuid4(),
            type=event.TYPE,
            schema_version=event.VERSION,
            occurred_at=occurred_at or datetime.now(UTC),
            producer=producer,
            correlation_id=correlation_id,
            causation_id=causation_id,
            payload=event.model_dump(mode="json"),
        )


class UnknownEventType(LookupError):
    """No contract is registered for this (type, version): the message cannot be understood."""


class EventRegistry:
    def __init__(self) -> None:
        self._by_key: dict[tuple[str, int], type[Event]] = {}

    def register(self, event_class: type[Event]) -> None:
        key = (event_class.TYPE, event_class.VERSION)
        existing = self._by_key.get(key)
        if existing is not None and existing is not event_class:
            raise ValueError(f"two contracts claim {key}: {existing.__name__} and {event_class.__name__}")
        self._by_key[key] = event_class

    def resolve(self, type_: str, version: int) -> type[Event]:
        try:
            return self._by_key[(type_, version)]
        except KeyError:
            raise UnknownEventType(f"no contract for {type_} v{version}") from None

    def all(self) -> list[type[Event]]:
        return sorted(self._by_key.values(), key=lambda c: (c.TYPE, c.VERSION))

    def published(self) -> list[type[Event]]:
        """The system's own contracts (tests and benchmarks register throwaway ones too)."""
        return [c for c in self.all() if c.__module__.startswith("shared.contracts.")]


registry = EventRegistry()


def parse_event(envelope: Envelope) -> Event:
    """Validate the payload against its registered contract."""
    event_class = registry.resolve(envelope.type, envelope.schema_version)
    return event_class.model_validate(envelope.payload)
