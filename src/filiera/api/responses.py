"""The one error shape of every failed request, for the OpenAPI documentation."""

from __future__ import annotations

from pydantic import BaseModel, Field


class ErrorDetail(BaseModel):
    record: str = Field(examples=["request"])
    field: str = Field(examples=["body.country"])
    message: str = Field(examples=["unknown country 'ZZ'"])


class ErrorInfo(BaseModel):
    code: str = Field(examples=["validation_failed"])
    message: str = Field(examples=["request: 2 invalid field(s)"])
    details: list[ErrorDetail] = Field(default_factory=list)


class ErrorBody(BaseModel):
    """The one error shape of every failed request."""

    error: ErrorInfo


def errors(described: dict[int, str]) -> dict[int | str, dict]:
    """OpenAPI `responses` for error statuses, e.g. `errors({404: "No such cluster"})`."""
    return {status: {"model": ErrorBody, "description": text} for status, text in described.items()}


RECORD_ERRORS = errors(
    {
        401: "Sign in first",
        403: "Not allowed for this role or organisation",
        404: "No such record (or not visible to you)",
        422: "Invalid input; every bad field is listed",
    }
)
