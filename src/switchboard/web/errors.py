"""Every error leaves as JSON with a clear message and the right status; never a 500 for input."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from switchboard.core.errors import (
    AuthenticationFailed,
    Conflict,
    DomainError,
    NotFound,
    PermissionDenied,
    RateLimited,
    ValidationFailed,
)
from switchboard.web.limits import BodyTooLarge

log = logging.getLogger(__name__)

STATUS_FOR_ERROR: list[tuple[type[DomainError], int]] = [
    (AuthenticationFailed, 401),
    (PermissionDenied, 403),
    (NotFound, 404),
    (Conflict, 409),
    (ValidationFailed, 422),
    (RateLimited, 429),
]


def error_body(code: str, message: str, details: object | None = None) -> dict[str, object]:
    body: dict[str, object] = {"error": {"code": code, "message": message}}
    if details is not None:
        body["error"] = {"code": code, "message": message, "details": details}
    return body


def status_for(error: DomainError) -> int:
    for error_type, status in STATUS_FOR_ERROR:
        if isinstance(error, error_type):
            return status
    return 400


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(DomainError)
    async def _domain_error(request: Request, exc: DomainError) -> Response:
        status = status_for(exc)
        headers = {}
        if isinstance(exc, RateLimited):
            headers["Retry-After"] = str(exc.retry_after_seconds)
        if isinstance(exc, AuthenticationFailed):
            headers["WWW-Authenticate"] = "Bearer"
        return JSONResponse(error_body(exc.code, exc.message), status_code=status, headers=headers)

    @app.exception_handler(RequestValidationError)
    async def _validation_error(request: Request, exc: RequestValidationError) -> Response:
        details = [
            {"location": [str(part) for part in error.get("loc", ())], "message": str(error.get("msg", ""))}
            for error in exc.errors()
        ]
        first = details[0] if details else {"location": [], "message": "invalid request"}
        message = f"{'.'.join(first['location'])}: {first['message']}" if first["location"] else first["message"]
        return JSONResponse(error_body("validation_failed", str(message), details), status_code=422)

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, exc: StarletteHTTPException) -> Response:
        code = {404: "not_found", 405: "method_not_allowed", 413: "request_too_large"}.get(
            exc.status_code, "http_error"
        )
        return JSONResponse(
            error_body(code, str(exc.detail)), status_code=exc.status_code, headers=getattr(exc, "headers", None)
        )

    @app.exception_handler(BodyTooLarge)
    async def _too_large(request: Request, exc: BodyTooLarge) -> Response:
        return JSONResponse(error_body("request_too_large", str(exc.detail)), status_code=413)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> Response:
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return JSONResponse(error_body("internal_error", "internal error; it has been logged"), status_code=500)
