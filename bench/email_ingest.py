"""Email ingestion benchmark: Switchboard over SMTP and by import, django-helpdesk beside it.

    uv run python bench/email_ingest.py [--count 10000] [--senders 8] [--skip-peer]

1. Generates `count` varied messages (bench/email_corpus.py: plain, HTML, attachments,
   replies that must thread, a share of real corpus files).
2. SMTP: starts `switchboard serve` in its own process on a fresh SQLite database and
   sends every message from `senders` concurrent smtplib clients (one conversation
   always through one client, so a reply never overtakes the message it answers).
   Measures messages/s (first send to last message committed), the latency from each
   250 to the message being committed (what the API then returns), and the server's
   peak memory.
3. Import: `switchboard import mail DIR` on another fresh database: messages/s, peak memory.
4. django-helpdesk: the same .eml files through its `get_email` command ('local'
   mailbox), installed into a throwaway virtualenv (bench/peers/django_helpdesk.py).
Prints a table with the ratio to django-helpdesk and writes bench/results/email-*.json.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import smtplib
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from email_corpus import generate_corpus
from harness import free_port
from switchboard.accounts.actor import Actor
from switchboard.channels.actions import create_inbox
from switchboard.channels.models import Channel
from switchboard.storage.engine import Database, make_engine
from switchboard.storage.migrate import upgrade_to_head

ADDRESS = "support@example.test"
INBOX = "Support email"
RESULTS = Path(__file__).parent / "results"


def _fresh_database(directory: Path) -> str:
    directory.mkdir(parents=True, exist_ok=True)
    url = f"sqlite:///{directory / 'switchboard.sqlite3'}"
    database = Database(make_engine(url))
    upgrade_to_head(database.engine)
    with database.write() as session:
        create_inbox(
            session, actor=Actor.system(), now=datetime.now(UTC), name=INBOX, channel=Channel.EMAIL, address=ADDRESS
        )
    database.dispose()
    return url


def _env(url: str, data_dir: Path, **extra: str) -> dict[str, str]:
    return {
        **os.environ,
        "SWITCHBOARD_DATABASE_URL": url,
        "SWITCHBOARD_DATA_DIR": str(data_dir),
        "SWITCHBOARD_ENVIRONMENT": "test",
        "SWITCHBOARD_LOG_LEVEL": "warning",
        "SWITCHBOARD_MIGRATE_ON_START": "false",
        **extra,
    }


def _peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else float("nan")


def run_smtp(  # noqa: PLR0915 - one measured run, read top to bottom
    files: list[Path], manifest: dict[str, Any], workdir: Path, senders: int
) -> dict[str, Any]:
    url = _fresh_database(workdir)
    smtp_port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "switchboard.cli.main", "serve"],
        env=_env(url, workdir, SWITCHBOARD_PORT=str(free_port()), SWITCHBOARD_SMTP_PORT=str(smtp_port)),
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                smtplib.SMTP("127.0.0.1", smtp_port, timeout=2).quit()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)

        entries = {entry["file"]: entry for entry in manifest["messages"]}
        lanes: list[list[Path]] = [[] for _ in range(senders)]
        for n, path in enumerate(files):
            root = entries[path.name].get("thread_root")
            lanes[hash(root) % senders if root else n % senders].append(path)
        acked: dict[str, float] = {}
        refused: list[str] = []
        seen: dict[str, float] = {}
        done = threading.Event()

        def send(lane: list[Path]) -> None:
            with smtplib.SMTP("127.0.0.1", smtp_port, timeout=60) as client:
                for path in lane:
                    try:
                        client.sendmail("bench@customer.test", [ADDRESS], path.read_bytes())
                    except smtplib.SMTPException as exc:
                        refused.append(f"{path.name}: {exc}")
                        continue
                    message_id = entries[path.name].get("message_id")
                    if message_id:
                        acked[message_id.strip("<>")] = time.monotonic()

        def watch() -> None:
            connection = sqlite3.connect(f"file:{workdir / 'switchboard.sqlite3'}?mode=ro", uri=True)
            last = 0
            while not done.is_set():
                rows = connection.execute(
                    "SELECT id, external_id FROM messages WHERE id > ? ORDER BY id", (last,)
                ).fetchall()
                now = time.monotonic()
                for row_id, external_id in rows:
                    last = row_id
                    if external_id and external_id not in seen:
                        seen[external_id] = now
                time.sleep(0.01)
            connection.close()

        watcher = threading.Thread(target=watch, daemon=True)
        watcher.start()
        started = time.monotonic()
        threads = [threading.Thread(target=send, args=(lane,)) for lane in lanes]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        sent_seconds = time.monotonic() - started
        database = sqlite3.connect(f"file:{workdir / 'switchboard.sqlite3'}?mode=ro", uri=True)
        deadline = time.monotonic() + 600
        while time.monotonic() < deadline:
            waiting = database.execute("SELECT count(*) FROM inbound_emails WHERE state = 'stored'").fetchone()[0]
            if waiting == 0:
                break
            time.sleep(0.05)
        finished = time.monotonic() - started
        time.sleep(0.1)
        done.set()
        watcher.join()
        peak = _peak_rss_mb(server.pid)
        latencies = [(seen[m] - t) * 1000 for m, t in acked.items() if m in seen]
        threading_ok, threading_total = _check_threading(database, manifest)
        outcomes = dict(database.execute("SELECT outcome, count(*) FROM inbound_emails GROUP BY outcome").fetchall())
        database.close()
        return {
            "messages": len(files),
            "refused": len(refused),
            "refusals": refused[:5],
            "senders": senders,
            "seconds_to_send": round(sent_seconds, 2),
            "seconds_to_process": round(finished, 2),
            "messages_per_second": round(len(files) / finished, 1),
            "latency_ms_p50": round(_percentile(latencies, 0.5), 1),
            "latency_ms_p99": round(_percentile(latencies, 0.99), 1),
            "latency_samples": len(latencies),
            "server_peak_rss_mb": round(peak, 1),
            "replies_threaded": f"{threading_ok}/{threading_total}",
            "outcomes": outcomes,
        }
    finally:
        server.terminate()
        server.wait(timeout=30)


def _check_threading(database: sqlite3.Connection, manifest: dict[str, Any]) -> tuple[int, int]:
    ticket_of = dict(database.execute("SELECT external_id, ticket_id FROM messages WHERE external_id IS NOT NULL"))
    ok = total = 0
    for entry in manifest["messages"]:
        if entry["kind"] != "reply":
            continue
        total += 1
        mine = ticket_of.get(entry["message_id"].strip("<>"))
        root = ticket_of.get(entry["thread_root"].strip("<>"))
        ok += mine is not None and mine == root
    return ok, total


def run_import(directory: Path, workdir: Path) -> dict[str, Any]:
    url = _fresh_database(workdir)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.monotonic()
    completed = subprocess.run(  # noqa: S603 - our own CLI
        [sys.executable, "-m", "switchboard.cli.main", "import", "mail", str(directory), "--inbox", INBOX],
        env=_env(url, workdir),
        capture_output=True,
        text=True,
        check=False,
    )
    seconds = time.monotonic() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    count = len(list(directory.glob("*.eml")))
    return {
        "messages": count,
        "exit_code": completed.returncode,
        "summary": completed.stderr.strip().splitlines()[-1] if completed.stderr.strip() else "",
        "seconds": round(seconds, 2),
        "messages_per_second": round(count / seconds, 1),
        "cpu_seconds": round((after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime), 1),
        "peak_rss_mb": round(after.ru_maxrss / 1024, 1),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--count", type=int, default=10_000)
    parser.add_argument("--senders", type=int, default=8)
    parser.add_argument("--skip-peer", action="store_true", help="do not run django-helpdesk")
    parser.add_argument("--peer-count", type=int, default=None, help="messages for the peer (default: all)")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="switchboard-email-bench-") as scratch:
        root = Path(scratch)
        corpus = root / "corpus"
        files = generate_corpus(corpus, count=args.count, to_address=ADDRESS)
        manifest = json.loads((corpus / "manifest.json").read_text())
        print(f"corpus: {len(files)} messages, {sum(p.stat().st_size for p in files) / 1e6:.1f} MB", flush=True)

        results: dict[str, Any] = {"count": args.count, "machine": os.uname().nodename, "cpus": os.cpu_count()}
        results["import"] = run_import(corpus, root / "import")
        print(f"import: {results['import']}", flush=True)
        results["smtp"] = run_smtp(files, manifest, root / "smtp", args.senders)
        print(f"smtp:   {results['smtp']}", flush=True)
        if not args.skip_peer:
            from peers.django_helpdesk import run_django_helpdesk

            peer_dir = corpus
            if args.peer_count is not None:
                peer_dir = root / "peer-corpus"
                peer_dir.mkdir()
                for path in files[: args.peer_count]:
                    (peer_dir / path.name).write_bytes(path.read_bytes())
                # Replies only point backwards, so the first N files' manifest is exact.
                subset = {**manifest, "messages": manifest["messages"][: args.peer_count]}
                (peer_dir / "manifest.json").write_text(json.dumps(subset))
            results["django_helpdesk"] = run_django_helpdesk(peer_dir, workdir=root / "django-helpdesk")
            print(f"django-helpdesk: {results['django_helpdesk']}", flush=True)

    _print_table(results)
    RESULTS.mkdir(exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    (RESULTS / f"email-{stamp}.json").write_text(json.dumps(results, indent=2, default=str) + "\n")
    return 0


def _print_table(results: dict[str, Any]) -> None:
    peer = results.get("django_helpdesk") or {}
    peer_rate = float(peer.get("messages_per_second") or 0)
    print()
    print(f"{'system / path':<34} {'msg/s':>8} {'× django-helpdesk':>18} {'p50 ms':>8} {'p99 ms':>8} {'peak MB':>8}")
    for name, key, rate_key, memory_key in (
        ("Switchboard, import", "import", "messages_per_second", "peak_rss_mb"),
        ("Switchboard, SMTP", "smtp", "messages_per_second", "server_peak_rss_mb"),
    ):
        row = results[key]
        rate = float(row[rate_key])
        ratio = f"{rate / peer_rate:.1f}" if peer_rate else "-"
        p50 = row.get("latency_ms_p50", "-")
        p99 = row.get("latency_ms_p99", "-")
        print(f"{name:<34} {rate:>8.1f} {ratio:>18} {p50!s:>8} {p99!s:>8} {row[memory_key]!s:>8}")
    if peer:
        memory = peer.get("peak_rss_mb", "-")
        print(
            f"{'django-helpdesk get_email (local)':<34} {peer_rate:>8.1f} {'1.0':>18} {'-':>8} {'-':>8} {memory!s:>8}"
        )


if __name__ == "__main__":
    sys.exit(main())
