"""Browser-facing safety: CSRF tokens, cookies, local redirects and response headers.

Pure helpers (no routes): the page handlers call them, the tests check them directly.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from urllib.parse import urlsplit

from fastapi.responses import Response

from switchboard.config import Settings
from switchboard.web.deps import SESSION_COOKIE

LOGIN_CSRF_COOKIE = "switchboard_login_csrf"
CSRF_FIELD = "csrf_token"
DEFAULT_LANDING = "/tickets"
_LOGIN_CSRF_PURPOSE = b"switchboard login csrf v1:"
_MAX_TOKEN_LENGTH = 200
_MAX_NEXT_LENGTH = 1000

# Applied to every page (not the JSON API, whose docs page loads Swagger UI).
# No inline script or style is allowed, so an injected `<script>` cannot run even if
# escaping were ever missed.
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self'",
        "frame-src 'self'",  # an email's HTML, in its own sandboxed document (MESSAGE_FRAME_POLICY)
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)
# The document inside that frame: the email's HTML, sanitised again. No script and no
# plugins at all; images only from us (inline `cid:` images) or data: URLs, so remote
# images (tracking pixels) never load; the styles emails carry inline may apply; the
# `sandbox` directive gives it a unique origin even when opened outside the frame; and
# only our own pages may frame it.
MESSAGE_FRAME_POLICY = (
    "default-src 'none'; img-src 'self' data:; style-src 'unsafe-inline'; sandbox; frame-ancestors 'self'"
)
MESSAGE_FRAME_HEADERS: dict[str, str] = {
    "Content-Security-Policy": MESSAGE_FRAME_POLICY,
    "X-Frame-Options": "SAMEORIGIN",  # frame-ancestors, for browsers that predate it
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "private, no-store",
}
PAGE_HEADERS: dict[str, str] = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}


# -- CSRF ----------------------------------------------------------------------------------


def _login_signature(secret_key: str, nonce: str) -> str:
    return hmac.new(secret_key.encode(), _LOGIN_CSRF_PURPOSE + nonce.encode(), hashlib.sha256).hexdigest()


def new_login_csrf_token(secret_key: str) -> str:
    """A signed double-submit token for the login form, which has no session to bind to.

    The token is `nonce.signature`; it goes both into a cookie and into the form, and a
    login POST must bring back the same valid token in both.
    """
    nonce = secrets.token_urlsafe(32)
    return f"{nonce}.{_login_signature(secret_key, nonce)}"


def is_valid_login_csrf_token(secret_key: str, token: str | None) -> bool:
    """True when `token` was made by `new_login_csrf_token` with this secret key."""
    if not token or len(token) > _MAX_TOKEN_LENGTH or not token.isascii():
        return False
    nonce, _, signature = token.partition(".")
    if not nonce or not signature:
        return False
    return hmac.compare_digest(signature.encode(), _login_signature(secret_key, nonce).encode())


def login_csrf_matches(secret_key: str, *, cookie: str | None, submitted: str | None) -> bool:
    """The login form's double-submit check: cookie and field equal, and signed by us."""
    if not cookie or not submitted or not submitted.isascii() or not cookie.isascii():
        return False
    return hmac.compare_digest(cookie.encode(), submitted.encode()) and is_valid_login_csrf_token(secret_key, cookie)


def session_csrf_matches(expected: str | None, submitted: str | None) -> bool:
    """A logged-in form post must echo its session's CSRF token."""
    if not expected or not submitted or not submitted.isascii():
        return False
    return hmac.compare_digest(expected.encode(), submitted.encode())


# -- redirects -----------------------------------------------------------------------------


def safe_next(target: str | None) -> str:
    """`target` if it is a path on this site, else the default landing page.

    Refuses anything a browser could read as another origin: `//host`, `/\\host`,
    schemes, and control characters or whitespace (browsers strip tabs and newlines,
    turning `/\\t/host` into `//host`).
    """
    if not target or len(target) > _MAX_NEXT_LENGTH:
        return DEFAULT_LANDING
    if not target.startswith("/") or target.startswith("//") or "\\" in target:
        return DEFAULT_LANDING
    if any(character.isspace() or not character.isprintable() for character in target):
        return DEFAULT_LANDING
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return DEFAULT_LANDING
    return target


# -- cookies -------------------------------------------------------------------------------


def set_session_cookie(response: Response, *, token: str, settings: Settings) -> None:
    response.set_cookie(
        SESSION_COOKIE,
        token,
        max_age=settings.session_lifetime_hours * 3600,
        path="/",
        secure=settings.secure_cookies,
        httponly=True,
        samesite="lax",
    )


def clear_session_cookie(response: Response, *, settings: Settings) -> None:
    response.delete_cookie(SESSION_COOKIE, path="/", secure=settings.secure_cookies, httponly=True, samesite="lax")


def set_login_csrf_cookie(response: Response, *, token: str, settings: Settings) -> None:
    """A browser-session cookie (no max-age): it lives as long as the login tab may."""
    response.set_cookie(
        LOGIN_CSRF_COOKIE, token, path="/", secure=settings.secure_cookies, httponly=True, samesite="lax"
    )


def clear_login_csrf_cookie(response: Response, *, settings: Settings) -> None:
    response.delete_cookie(LOGIN_CSRF_COOKIE, path="/", secure=settings.secure_cookies, httponly=True, samesite="lax")
