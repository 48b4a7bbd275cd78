"""JSON logs, one object per line, carrying the service, the business flow's correlation id and the
OpenTelemetry trace id (to jump from a log line to its trace)."""

from __future__ import annotations

import logging
import re
import sys

from pythonjsonlogger.json import JsonFormatter

from shared.context import correlation_id_var, service_var
from shared.tracing import current_trace_id

# Bearer tokens and passwords in URLs never reach the logs, whatever a library chose to print.
_SECRETS = re.compile(r"(Bearer\s+)[A-Za-z0-9._~+/=-]+|(://[^:/@\s]+:)[^@\s]+(@)")


class _ContextFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.correlation_id = correlation_id_var.get()
        record.trace_id = current_trace_id()
        record.service = service_var.get() or getattr(record, "service", None)
        if isinstance(record.msg, str):
            record.msg = _SECRETS.sub(_mask, record.msg)
        return True


def _mask(match: re.Match[str]) -> str:
    if match.group(1):
        return match.group(1) + "***"
    return f"{match.group(2)}***{match.group(3)}"


def configure_logging(level: str = "INFO") -> None:
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(
        JsonFormatter(
            "%(asctime)s %(levelname)s %(name)s %(message)s %(correlation_id)s %(trace_id)s %(service)s",
            rename_fields={"asctime": "time", "levelname": "level", "name": "logger"},
        )
    )
    handler.addFilter(_ContextFilter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for noisy in ("aiormq", "aio_pika"):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, root.level))
