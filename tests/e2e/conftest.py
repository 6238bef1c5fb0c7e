"""A live Switchboard on 127.0.0.1 and Debian's Chromium driven by Playwright.

The server runs the real app with uvicorn in a background thread, against the same
fresh database the `make` factory writes to; it and the browser stop at the end of
each test, whatever the outcome.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvicorn
from playwright.sync_api import Browser, Page, Playwright, sync_playwright

from switchboard.config import Settings
from switchboard.core.clock import FixedClock
from switchboard.storage.engine import Database
from switchboard.web.app import create_app

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--headless=new",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
LOOPBACK = "127.0.0.1"
STARTUP_SECONDS = 15.0
SHUTDOWN_SECONDS = 15.0
BROWSER_TIMEOUT_MS = 15_000


@pytest.fixture
def live_server(settings: Settings, database: Database, clock: FixedClock) -> Iterator[str]:
    """The base URL of the app served by uvicorn on a free loopback port."""
    app = create_app(settings, clock=clock, database=database, run_background=False)
    config = uvicorn.Config(
        app, host=LOOPBACK, port=0, ws="none", lifespan="on", log_config=None, log_level="warning", access_log=False
    )
    server = uvicorn.Server(config)
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind((LOOPBACK, 0))  # the kernel picks a free port; we know it before serving
    port = listener.getsockname()[1]
    thread = threading.Thread(target=server.run, kwargs={"sockets": [listener]}, name="e2e-uvicorn", daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + STARTUP_SECONDS
        while not server.started:
            if not thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the e2e server did not start")
            time.sleep(0.02)
        yield f"http://{LOOPBACK}:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=SHUTDOWN_SECONDS)
        listener.close()
        assert not thread.is_alive(), "the e2e server did not stop"


@pytest.fixture(scope="module")
def playwright() -> Iterator[Playwright]:
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is missing: apt-get install -y chromium")
    with sync_playwright() as driver:
        yield driver


@pytest.fixture(scope="module")
def browser(playwright: Playwright) -> Iterator[Browser]:
    browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
    try:
        yield browser
    finally:
        browser.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    """A fresh browser context (no cookies) with one page."""
    context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="en-GB")
    context.set_default_timeout(BROWSER_TIMEOUT_MS)
    try:
        yield context.new_page()
    finally:
        context.close()
