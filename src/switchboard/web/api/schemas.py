"""Shared API schema pieces."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Query
from pydantic import BaseModel, ConfigDict, Field, model_validator

# Keys of most tables are 32-bit INTEGER on PostgreSQL; tickets, messages and events are
# BIGINT. Checking at the edge turns an impossible id into a 422 instead of a database error.
MAX_ID = 2**31 - 1
MAX_BIG_ID = 2**63 - 1
Id = Annotated[int, Field(ge=1, le=MAX_ID)]
TicketId = Annotated[int, Field(ge=1, le=MAX_BIG_ID)]
QueryId = Annotated[int | None, Query(ge=1, le=MAX_ID)]
# PostgreSQL text and JSONB cannot hold NUL; no legitimate input needs it.
NO_NUL_PATTERN = r"^[^\x00]*$"


def text_query(max_length: int, description: str | None = None) -> Any:
    """A query-string text parameter: bounded, and refusing NUL characters."""
    return Query(max_length=max_length, pattern=NO_NUL_PATTERN, description=description)


def _contains_nul(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_contains_nul(k) or _contains_nul(v) for k, v in value.items())
    if isinstance(value, list | tuple):
        return any(_contains_nul(item) for item in value)
    return False


class Input(BaseModel):
    """Request bodies refuse unknown fields, so a typo is an error rather than ignored."""

    model_config = ConfigDict(extra="forbid", str_max_length=200_000)

    @model_validator(mode="before")
    @classmethod
    def _refuse_nul_characters(cls, data: Any) -> Any:
        if _contains_nul(data):
            raise ValueError("text must not contain NUL (\\u0000) characters")
        return data


class Output(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class ErrorDetail(BaseModel):
    code: str
    message: str
    details: Any | None = None


class ErrorResponse(BaseModel):
    error: ErrorDetail


ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorResponse, "description": description}
    for status, description in {
        400: "Malformed request body (not JSON, or not UTF-8)",
        401: "Missing or invalid API token",
        403: "The caller's role does not allow this",
        404: "Not found, or not visible to the caller",
        409: "Conflicts with the current state",
        413: "Request body too large",
        422: "Invalid input",
    }.items()
}
