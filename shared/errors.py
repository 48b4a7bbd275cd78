"""Errors a use case raises, mapped to problem+json in one place (shared.http.problems).

Pure standard library so domain cores may raise them without importing a framework.
"""

from __future__ import annotations


class ApplicationError(Exception):
    """Base of every error that becomes a 4xx answer.

    `type_slug` gives the stable problem type URI; `field` names the input at fault when there is one.
    """

    status = 400
    type_slug = "bad-request"
    title = "Bad request"

    def __init__(self, detail: str, *, field: str | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.field = field


class BusinessRuleViolation(ApplicationError):
    """The request is well formed but a business rule refuses it."""

    status = 422
    type_slug = "business-rule"
    title = "Business rule violated"


class NotFound(ApplicationError):
    status = 404
    type_slug = "not-found"
    title = "Not found"


class Conflict(ApplicationError):
    """The object is not in a state that allows this (already accepted, duplicate number...)."""

    status = 409
    type_slug = "conflict"
    title = "Conflict"
