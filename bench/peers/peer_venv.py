"""A peer's pinned packages in a throwaway virtualenv, cached while interpreter and pins stay the same."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

# Variables that would make the peer's interpreter see our packages instead of its own.
FOREIGN_ENVIRONMENT = ("VIRTUAL_ENV", "PYTHONPATH", "PYTHONHOME", "UV_PROJECT_ENVIRONMENT")


def clean_environment(**extra: str) -> dict[str, str]:
    """This process's environment without our virtualenv, plus `extra`."""
    env = {name: value for name, value in os.environ.items() if name not in FOREIGN_ENVIRONMENT}
    env.update(extra)
    return env


def ensure_virtualenv(
    cache_dir: Path,
    *,
    python: str,
    requirements: Sequence[str],
    environment: Mapping[str, str],
    probe_imports: str | None = None,
) -> tuple[Path, float]:
    """The venv's interpreter and how long installing took (0.0 when a cached one was reused).

    The cache key covers the interpreter and the pins; `probe_imports` ("django, helpdesk") is
    imported in a cached venv to catch one left broken by an interrupted install."""
    key = hashlib.sha256("\n".join([python, *requirements]).encode()).hexdigest()[:12]
    cache_dir.mkdir(parents=True, exist_ok=True)
    venv = cache_dir.resolve() / f"venv-{key}"
    interpreter = venv / "bin" / "python"
    marker = venv / ".switchboard-requirements"
    pins = "\n".join(requirements)
    if marker.is_file() and marker.read_text() == pins and interpreter.exists():
        if probe_imports is None:
            return interpreter, 0.0
        probe = subprocess.run(  # noqa: S603 - the cached venv's interpreter
            [str(interpreter), "-c", f"import {probe_imports}"], capture_output=True, env=dict(environment), check=False
        )
        if probe.returncode == 0:
            return interpreter, 0.0
    shutil.rmtree(venv, ignore_errors=True)
    started = time.perf_counter()
    subprocess.run([python, "-m", "venv", str(venv)], check=True, env=dict(environment))  # noqa: S603 - fixed argv
    install = subprocess.run(  # noqa: S603 - the venv's pip and the pinned requirements
        [str(interpreter), "-m", "pip", "install", "--quiet", "--disable-pip-version-check", *requirements],
        capture_output=True,
        text=True,
        env=dict(environment),
        check=False,
    )
    if install.returncode != 0:
        raise RuntimeError(f"pip install failed:\n{install.stdout}\n{install.stderr}")
    marker.write_text(pins)
    return interpreter, time.perf_counter() - started
