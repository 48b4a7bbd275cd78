"""A bounded schemathesis run against an ASGI app: no 5xx, no answer breaking its own schema.

    report = fuzz_app(app, token=admin_token, max_examples=30, time_budget_s=60)
    assert report.ok, report.describe()

Each operation of the OpenAPI (filtered by `path_regex`) gets `max_examples` generated requests in
each generation mode (valid data, then invalid data: hostile input must be a 4xx, never a 5xx),
sent with the bearer token. The whole run stops generating once `time_budget_s` is spent.
Shrinking is off: the first failing request is reported as generated, with a curl command.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import hypothesis
import schemathesis
from hypothesis import HealthCheck, Phase
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

CHECKS = (not_a_server_error, response_schema_conformance)


class _OutOfTime(Exception):
    pass


@dataclass
class FuzzReport:
    operations: int = 0
    requests: int = 0
    out_of_time: bool = False
    failures: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.failures

    def describe(self) -> str:
        head = f"{self.operations} operations, {self.requests} requests"
        return "\n\n".join([head, *self.failures])


def fuzz_app(
    app: Any,
    *,
    token: str | None,
    max_examples: int = 25,
    time_budget_s: float = 60.0,
    path_regex: str | None = r"^/v1/",
    modes: Sequence[GenerationMode] = (GenerationMode.POSITIVE, GenerationMode.NEGATIVE),
    schema_path: str = "/openapi.json",
) -> FuzzReport:
    schema = schemathesis.openapi.from_asgi(schema_path, app)
    if path_regex:
        schema = schema.include(path_regex=path_regex)
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    deadline = time.monotonic() + time_budget_s
    report = FuzzReport()
    for result in schema.get_all_operations():
        operation = result.ok()
        report.operations += 1
        for mode in modes:
            if time.monotonic() > deadline:
                report.out_of_time = True
                return report

            @hypothesis.given(case=operation.as_strategy(generation_mode=mode))
            @hypothesis.settings(
                max_examples=max_examples,
                deadline=None,
                database=None,
                derandomize=True,
                phases=[Phase.explicit, Phase.generate],
                suppress_health_check=list(HealthCheck),
                report_multiple_bugs=False,
            )
            def run(case: Any) -> None:
                if time.monotonic() > deadline:
                    raise _OutOfTime  # stops Hypothesis generating the rest of the examples
                report.requests += 1
                case.call_and_validate(headers=headers, checks=list(CHECKS))

            try:
                run()
            except _OutOfTime:
                report.out_of_time = True
                return report
            except (KeyboardInterrupt, SystemExit):
                raise
            except BaseException as exc:  # schemathesis reports failures as exception groups
                report.failures.append(
                    f"{operation.method.upper()} {operation.path} ({mode.value}): {type(exc).__name__}: {exc}"
                )
    return report
