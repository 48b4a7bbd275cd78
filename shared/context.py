"""Correlation of one business flow across HTTP calls, outbox rows and messages."""

from __future__ import annotations

import uuid
from contextvars import ContextVar

correlation_id_var: ContextVar[str | None] = ContextVar("correlation_id", default=None)
causation_id_var: ContextVar[str | None] = ContextVar("causation_id", default=None)
service_var: ContextVar[str | None] = ContextVar("service", default=None)


def current_correlation_id() -> str:
    """The flow's id, or a fresh one when the work did not start from a request or a message."""
    value = correlation_id_var.get()
    if value is None:
        value = str(uuid.uuid4())
        correlation_id_var.set(value)
    return value
