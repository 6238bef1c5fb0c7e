"""Email parser throughput on the shared real-mail corpus, one core.

Run: `scripts/uv run python bench/email_parse.py [--rounds N] [--corpus DIR]`. Prints
messages per CPU second for `parse_email` over every file of the corpus (README.md
excepted), over the typical messages only (under 100 kB: the corpus also holds a 3 MB
nesting torture test, a 1.8 MB torture message and binary files), and for the standard
library's compat32 parser alone as a reference. CPU time rather than wall time, so a
busy machine does not distort the figure.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from email import policy
from email.parser import BytesParser
from pathlib import Path

from switchboard.channels.email.parse import parse_email

DEFAULT_CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpora" / "email"
TYPICAL_BYTES = 100_000


def load(corpus: Path) -> list[bytes]:
    return [path.read_bytes() for path in sorted(corpus.rglob("*")) if path.is_file() and path.name != "README.md"]


def rate(messages: list[bytes], rounds: int, parse: Callable[[bytes], object]) -> float:
    """Messages per CPU second, best of `rounds` passes."""
    best = float("inf")
    for _ in range(rounds):
        started = time.process_time()
        for raw in messages:
            parse(raw)
        best = min(best, time.process_time() - started)
    return len(messages) / max(best, 1e-9)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--rounds", type=int, default=5, help="best of N passes over the corpus")
    args = parser.parse_args()
    messages = load(args.corpus)
    if not messages:
        raise SystemExit(f"no files under {args.corpus}")
    typical = [raw for raw in messages if len(raw) < TYPICAL_BYTES]
    size = sum(map(len, messages))
    warned = sum(1 for raw in messages if parse_email(raw).warnings)
    stdlib = BytesParser(policy=policy.compat32).parsebytes
    print(f"corpus: {len(messages)} files, {size / 1e6:.1f} MB, {warned} parsed with warnings ({args.corpus})")
    for label, sample in (("all files", messages), (f"{len(typical)} files under 100 kB", typical)):
        ours = rate(sample, args.rounds, parse_email)
        reference = rate(sample, args.rounds, stdlib)
        print(f"{label}: parse_email {ours:,.0f} messages/s; compat32 parsebytes alone {reference:,.0f} messages/s")


if __name__ == "__main__":
    main()
