"""Sending a visitor who is not logged in to the login form, to come back after."""

from __future__ import annotations

from urllib.parse import urlencode

from fastapi import Request
from fastapi.responses import RedirectResponse


def login_redirect(request: Request) -> RedirectResponse:
    """A 303 to `/login` with this address as `next` (checked by `safe_next` on the way back)."""
    here = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return RedirectResponse("/login?" + urlencode({"next": here}, safe="/"), status_code=303)
