"""Request body size limit as pure ASGI middleware, before any body is buffered."""

from __future__ import annotations

import json
from http import HTTPStatus

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send


class BodyTooLarge(HTTPException):
    """An HTTPException, so that FastAPI's body parsing re-raises it rather than answering 400."""

    def __init__(self, max_bytes: int) -> None:
        super().__init__(status_code=413, detail=f"request body is larger than {max_bytes} bytes")


class BodySizeLimit:
    """Answer 413 when Content-Length, or the bytes actually received, exceed the limit."""

    def __init__(self, app: ASGIApp, *, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self._too_large_message = f"request body is larger than {max_bytes} bytes"

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        for name, value in scope.get("headers", []):
            if name == b"content-length":
                try:
                    declared = int(value)
                except ValueError:
                    await _reject(send, HTTPStatus.BAD_REQUEST, "Content-Length is not a number")
                    return
                if declared > self.max_bytes:
                    await _reject(send, HTTPStatus.REQUEST_ENTITY_TOO_LARGE, self._too_large_message)
                    return
        received = 0
        response_started = False

        async def counting_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise BodyTooLarge(self.max_bytes)
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal response_started
            if message["type"] == "http.response.start":
                response_started = True
            await send(message)

        try:
            await self.app(scope, counting_receive, tracking_send)
        except BodyTooLarge:
            if not response_started:
                await _reject(send, HTTPStatus.REQUEST_ENTITY_TOO_LARGE, self._too_large_message)


async def _reject(send: Send, status: int, message: str) -> None:
    code = "request_too_large" if status == HTTPStatus.REQUEST_ENTITY_TOO_LARGE else "bad_request"
    body = json.dumps({"error": {"code": code, "message": message}}).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())],
        }
    )
    await send({"type": "http.response.body", "body": body})
