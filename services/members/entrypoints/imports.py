"""CSV uploads: the raw body, size-bounded, and the per-line report (problem+json when refused)."""

from __future__ import annotations

import json
from typing import Any

from fastapi import Request
from fastapi.responses import JSONResponse

from services.members.domain.csv_import import MAX_IMPORT_BYTES, ImportReport
from services.members.entrypoints.schemas_more import ImportReportOut, LineOut
from shared.errors import BusinessRuleViolation
from shared.http.problems import problem

CSV_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {
            "text/csv": {
                "schema": {"type": "string"},
                "example": "UAI;school year;pupils\n0750655E;2026-2027;212\n",
            }
        },
    }
}


async def csv_text(request: Request) -> str:
    body = await request.body()
    if len(body) > MAX_IMPORT_BYTES:
        raise BusinessRuleViolation(f"the file exceeds {MAX_IMPORT_BYTES} bytes; split it", field="file")
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError:
        try:
            return body.decode("cp1252")  # what spreadsheets on Windows export
        except UnicodeDecodeError:
            raise BusinessRuleViolation(
                "the file is neither UTF-8 nor Windows-1252 text", field="file"
            ) from None


def report_response(report: ImportReport[Any], request: Request, *, dry_run: bool) -> JSONResponse:
    """201 with the report when imported (200 for a dry run); else 422 problem+json listing every refused
    line with its field and reason, plus the whole report — and nothing was written."""
    body = ImportReportOut(
        imported=report.complete and not dry_run,
        dry_run=dry_run,
        accepted=len(report.accepted),
        refused=len(report.refused),
        lines=[
            LineOut(line=r.line, status=r.status.value, field=r.field, reason=r.reason) for r in report.lines
        ],
    )
    if report.complete:
        return JSONResponse(body.model_dump(mode="json"), status_code=200 if dry_run else 201)
    errors = [
        {"field": f"line {r.line}" + (f": {r.field}" if r.field else ""), "reason": r.reason, "line": r.line}
        for r in report.refused
    ]
    response = problem(
        422,
        "import-refused",
        "Import refused",
        f"{len(report.refused)} of {len(report.lines)} lines refused; nothing was imported",
        errors=errors,
        instance=request.url.path,
    )
    content = json.loads(bytes(response.body))
    content["report"] = body.model_dump(mode="json")
    return JSONResponse(content, status_code=422, media_type=response.media_type)
