"""Agent pages. Replaced by the real login and ticket list."""

from __future__ import annotations

from fastapi import FastAPI


def install_pages(app: FastAPI) -> None:
    return None
