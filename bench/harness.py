"""The moving parts of an API benchmark: the app in a child process, a client, latencies.

Run as a script, this module is the child process: `python bench/harness.py serve
--database-url URL --port N [--server-workers W]` serves the real app on 127.0.0.1.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from switchboard.config import Environment, Settings

Call = tuple[str, str, dict[str, Any] | None]  # method, path, JSON body


# -- server -----------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def serve(database_url: str, port: int, workers: int) -> None:
    """The child process: the real app under uvicorn, quiet, on 127.0.0.1."""
    import uvicorn

    from switchboard.web.app import create_app

    if workers == 1:
        settings = Settings(
            environment=Environment.DEVELOPMENT,
            database_url=database_url,
            host="127.0.0.1",
            port=port,
            migrate_on_start=False,
            log_level="warning",
            data_dir=Path(tempfile.gettempdir()),
        )
        uvicorn.run(create_app(settings), host="127.0.0.1", port=port, log_level="warning", access_log=False)
        return
    # Several processes: uvicorn imports `application` in each, with settings from the environment.
    os.environ.update(
        SWITCHBOARD_DATABASE_URL=database_url,
        SWITCHBOARD_MIGRATE_ON_START="false",
        SWITCHBOARD_LOG_LEVEL="warning",
        SWITCHBOARD_DATA_DIR=tempfile.gettempdir(),
    )
    uvicorn.run(
        "harness:application",
        factory=True,
        app_dir=str(Path(__file__).resolve().parent),
        host="127.0.0.1",
        port=port,
        workers=workers,
        log_level="warning",
        access_log=False,
    )


def application() -> Any:
    """The app factory each uvicorn worker process calls (`--server-workers` above 1)."""
    from switchboard.config import load_settings
    from switchboard.web.app import create_app

    return create_app(load_settings())


class Server:
    def __init__(self, database_url: str, *, workers: int = 1) -> None:
        self.port = free_port()
        command = [sys.executable, __file__, "serve", "--database-url", database_url, "--port", str(self.port)]
        command += ["--server-workers", str(workers)]
        self.process = subprocess.Popen(command)  # noqa: S603 - our own interpreter and script

    def wait_until_ready(self, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the server exited with code {self.process.returncode}")
            try:
                connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=2)
                connection.request("GET", "/healthz")
                if connection.getresponse().status == 200:
                    return
            except OSError:
                time.sleep(0.2)
        raise RuntimeError("the server did not become ready")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=5)


# -- client -----------------------------------------------------------------------------


class Client:
    """One keep-alive HTTP connection with the bearer token."""

    def __init__(self, port: int, token: str) -> None:
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        self.headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}

    def call(self, method: str, path: str, body: dict[str, Any] | None = None) -> tuple[int, Any]:
        payload = json.dumps(body).encode() if body is not None else None
        self.connection.request(method, path, body=payload, headers=self.headers)
        response = self.connection.getresponse()
        data = response.read()
        return response.status, (json.loads(data) if data else None)


@dataclass
class Latency:
    name: str
    request: str
    samples_ms: list[float] = field(default_factory=list)
    errors: int = 0

    def summary(self) -> dict[str, Any]:
        ordered = sorted(self.samples_ms)

        def percentile(share: float) -> float:
            return round(ordered[min(len(ordered) - 1, int(share * len(ordered)))], 2) if ordered else float("nan")

        return {
            "name": self.name,
            "request": self.request,
            "count": len(ordered),
            "errors": self.errors,
            "p50_ms": percentile(0.50),
            "p95_ms": percentile(0.95),
            "p99_ms": percentile(0.99),
            "max_ms": round(ordered[-1], 2) if ordered else float("nan"),
        }


def measure(
    client: Client,
    name: str,
    describe: str,
    requests: int,
    make: Callable[[int], Call],
    *,
    expect: int = 200,
    warmup: int = 20,
) -> Latency:
    result = Latency(name=name, request=describe)
    for number in range(warmup + requests):
        method, path, body = make(number)
        started = time.perf_counter()
        status, _ = client.call(method, path, body)
        elapsed_ms = (time.perf_counter() - started) * 1000
        if number < warmup:
            continue
        if status != expect:
            result.errors += 1
        result.samples_ms.append(elapsed_ms)
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Serve the app for a benchmark (127.0.0.1 only).")
    parser.add_argument("command", choices=["serve"])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--server-workers", type=int, default=1)
    args = parser.parse_args(argv)
    serve(args.database_url, args.port, args.server_workers)
    return 0


if __name__ == "__main__":
    sys.exit(main())
