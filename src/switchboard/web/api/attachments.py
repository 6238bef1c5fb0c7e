"""Downloads: a message's attachments, and the raw email a message came from.

The bytes are served as files to save (see `web.downloads`), never as pages.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path
from fastapi.responses import Response

from switchboard.channels.email import queries as email_queries
from switchboard.tickets import queries
from switchboard.web import downloads
from switchboard.web.api.schemas import ERROR_RESPONSES, MAX_BIG_ID, MAX_ID
from switchboard.web.deps import ApiCaller, Context

router = APIRouter(tags=["attachments"], responses=ERROR_RESPONSES)

AttachmentId = Annotated[int, Path(ge=1, le=MAX_ID)]
MessageId = Annotated[int, Path(ge=1, le=MAX_BIG_ID)]


def download_url(attachment_id: int) -> str:
    return f"/api/v1/attachments/{attachment_id}"


@router.get(
    "/attachments/{attachment_id}",
    response_class=Response,
    responses=downloads.binary_responses(
        "The attachment's bytes, as a file to save. Its type is kept only for images and PDF; "
        "anything else is application/octet-stream."
    ),
    summary="Download an attachment",
)
def download_attachment(context: Context, caller: ApiCaller, attachment_id: AttachmentId) -> Response:
    with context.database.read() as session:
        attachment = queries.attachment_for(session, actor=caller.actor, attachment_id=attachment_id)
        sha256, filename, content_type = attachment.sha256, attachment.filename, attachment.content_type
    return downloads.download(context.email.blobs, sha256=sha256, filename=filename, declared_type=content_type)


@router.get(
    "/messages/{message_id}/original",
    response_class=Response,
    responses=downloads.binary_responses(
        "The raw email exactly as received, as `message-<id>.eml`.", media_types=(downloads.RFC822,)
    ),
    summary="Download the original email of a message",
)
def download_original(context: Context, caller: ApiCaller, message_id: MessageId) -> Response:
    """404 when the message did not come in by email (a reply, a note, a chat message)."""
    with context.database.read() as session:
        original = email_queries.original_email_for(session, actor=caller.actor, message_id=message_id)
    return downloads.original_email(context.email.blobs, sha256=original.sha256, message_id=message_id)
