"""What the ticket page embeds or links for a message: its HTML, attachments, original email.

These answers are not pages: each carries its own headers (a sandboxing policy, a
download disposition) instead of the page headers, which would forbid the frame. An
error is still an HTML error page with the page headers.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Path, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from fastapi.routing import APIRoute
from markupsafe import Markup

from switchboard.channels.email import queries as email_queries
from switchboard.core.errors import DomainError, NotFound
from switchboard.tickets import queries
from switchboard.web import downloads
from switchboard.web.api.schemas import MAX_BIG_ID, MAX_ID
from switchboard.web.deps import Context, SessionCaller
from switchboard.web.errors import status_for
from switchboard.web.ui import image_grants
from switchboard.web.ui.email_html import content_id_key, framed_html
from switchboard.web.ui.redirects import login_redirect
from switchboard.web.ui.rendering import error_page, render
from switchboard.web.ui.security import MESSAGE_FRAME_HEADERS, PAGE_HEADERS


class FileRoute(APIRoute):
    """A route answering with bytes or a framed document: its own headers on success,
    an HTML error page with the page headers on failure."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handle = super().get_route_handler()

        async def handle_file(request: Request) -> Response:
            try:
                return await handle(request)
            except RequestValidationError:
                response = error_page(request, status_code=404, message="there is nothing at this address")
            except DomainError as error:
                response = error_page(request, status_code=status_for(error), message=error.message)
            response.headers.update(PAGE_HEADERS)
            return response

        return handle_file


router = APIRouter(route_class=FileRoute, include_in_schema=False)

AttachmentId = Annotated[int, Path(ge=1, le=MAX_ID)]
MessageId = Annotated[int, Path(ge=1, le=MAX_BIG_ID)]


@router.get("/messages/{message_id}/html")
def message_html(request: Request, context: Context, current_user: SessionCaller, message_id: MessageId) -> Response:
    """The message's HTML body as a document for the ticket page's sandboxed frame."""
    if current_user is None:
        return login_redirect(request)
    with context.database.read() as session:
        message = queries.message_for(session, actor=current_user.actor, message_id=message_id)
        if message.body_html is None:
            raise NotFound(f"message {message_id} has no HTML body")
        secret_key, now = context.settings.secret_key.get_secret_value(), context.clock.now()
        inline_images = {
            content_id_key(a.content_id): inline_image_url(
                a.id, grant=image_grants.grant(secret_key, attachment_id=a.id, actor=current_user.actor, now=now)
            )
            for a in message.attachments
            if a.content_id and downloads.download_media_type(a.content_type) in downloads.INLINE_IMAGE_TYPES
        }
        body = framed_html(message.body_html, inline_images=inline_images)
    return render(
        request,
        "tickets/message_frame.html",
        current_user=None,
        headers=MESSAGE_FRAME_HEADERS,
        visible=Markup(body.visible),  # noqa: S704 - sanitised by nh3 in framed_html
        folded=Markup(body.folded),  # noqa: S704 - sanitised by nh3 in framed_html
        remote_images_blocked=body.remote_images_blocked,
    )


@router.get("/attachments/{attachment_id}")
def download_attachment(
    request: Request, context: Context, current_user: SessionCaller, attachment_id: AttachmentId
) -> Response:
    if current_user is None:
        return login_redirect(request)
    with context.database.read() as session:
        attachment = queries.attachment_for(session, actor=current_user.actor, attachment_id=attachment_id)
        sha256, filename, content_type = attachment.sha256, attachment.filename, attachment.content_type
    return downloads.download(context.email.blobs, sha256=sha256, filename=filename, declared_type=content_type)


def inline_image_url(attachment_id: int, *, grant: str) -> str:
    return f"/attachments/{attachment_id}/inline?{urlencode({'grant': grant})}"


@router.get("/attachments/{attachment_id}/inline")
def inline_image(
    request: Request,
    context: Context,
    current_user: SessionCaller,
    attachment_id: AttachmentId,
    grant: Annotated[str | None, Query(max_length=image_grants.MAX_GRANT_LENGTH)] = None,
) -> Response:
    """A PNG, JPEG, GIF or WebP attachment shown in place (an email's `cid:` image); 404 otherwise.

    From the email's frame, which sends no session cookie, with the `grant` the frame
    was given (see `image_grants`).
    """
    if grant is not None:
        secret_key = context.settings.secret_key.get_secret_value()
        actor = image_grants.actor_of(secret_key, attachment_id=attachment_id, grant=grant, now=context.clock.now())
        if actor is None:
            raise NotFound("this image link is not valid or has expired; reload the ticket")
    elif current_user is not None:
        actor = current_user.actor
    else:
        return login_redirect(request)
    with context.database.read() as session:
        attachment = queries.attachment_for(session, actor=actor, attachment_id=attachment_id)
        sha256, content_type = attachment.sha256, attachment.content_type
    return downloads.inline_image(context.email.blobs, sha256=sha256, declared_type=content_type)


@router.get("/messages/{message_id}/original")
def download_original(
    request: Request, context: Context, current_user: SessionCaller, message_id: MessageId
) -> Response:
    if current_user is None:
        return login_redirect(request)
    with context.database.read() as session:
        original = email_queries.original_email_for(session, actor=current_user.actor, message_id=message_id)
    return downloads.original_email(context.email.blobs, sha256=original.sha256, message_id=message_id)
