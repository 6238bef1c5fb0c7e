"""Short-lived signed links to an email's inline images, for its sandboxed frame.

Why not the session cookie: the frame's document has an opaque origin (a sandbox
without `allow-same-origin`), so browsers treat the image requests it makes as
cross-site and leave out the SameSite=Lax session cookie. The frame, served to a
logged-in user, signs each inline image link instead: the grant names the user it
was made for and an expiry a few minutes ahead, and is bound to one attachment. The
image route still checks that user's access to the attachment; a grant only stands
in for the cookie. (GitHub serves private images in issues the same way: URLs with a
signed token that expires after five minutes.)
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import datetime, timedelta

from switchboard.accounts.actor import Actor
from switchboard.accounts.roles import Role

GRANT_LIFETIME = timedelta(minutes=5)
MAX_GRANT_LENGTH = 200
_PURPOSE = b"switchboard inline image grant v1:"
_PARTS = 5  # user id, role, customer id (0: none), expiry (Unix seconds), signature


def _signature(secret_key: str, *, attachment_id: int, claims: str) -> str:
    message = _PURPOSE + f"{attachment_id}.{claims}".encode()
    return hmac.new(secret_key.encode(), message, hashlib.sha256).hexdigest()


def grant(secret_key: str, *, attachment_id: int, actor: Actor, now: datetime) -> str:
    """A grant for `actor` (a logged-in user) to fetch one attachment until a few minutes after `now`."""
    if actor.user_id is None:
        raise ValueError("grants are made for logged-in users only")
    expires = int((now + GRANT_LIFETIME).timestamp())
    claims = f"{actor.user_id}.{actor.role.value}.{actor.customer_id or 0}.{expires}"
    return f"{claims}.{_signature(secret_key, attachment_id=attachment_id, claims=claims)}"


def actor_of(secret_key: str, *, attachment_id: int, grant: str, now: datetime) -> Actor | None:
    """Who `grant` was made for, if we signed it for this attachment and it has not expired."""
    if len(grant) > MAX_GRANT_LENGTH or not grant.isascii():
        return None
    parts = grant.split(".")
    if len(parts) != _PARTS:
        return None
    user_id, role, customer_id, expires, signature = parts
    expected = _signature(secret_key, attachment_id=attachment_id, claims=".".join(parts[:-1]))
    if not hmac.compare_digest(signature.encode(), expected.encode()):
        return None
    # Signed by us, so well formed; checked all the same, since a key can leak.
    if not (user_id.isdigit() and customer_id.isdigit() and expires.isdigit()) or role not in set(Role):
        return None
    if int(expires) <= now.timestamp():
        return None
    return Actor(user_id=int(user_id), role=Role(role), customer_id=int(customer_id) or None)
