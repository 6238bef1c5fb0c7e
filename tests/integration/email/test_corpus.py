"""Every real-world message we have goes through the whole pipeline: none is lost.

../shared/corpora/email (other projects' test mail: broken MIME, charsets, bounces,
spam, replies) and CPython's own test_email data. Each message must become a ticket,
a reply, or a recorded outcome (duplicate, bounce, loop); none may stay unprocessed
or crash the pipeline, and the rest of a batch must not suffer from a bad one.
"""

from __future__ import annotations

import os
import sysconfig
from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy import select

from switchboard.channels.email.intake import store_raw_emails
from switchboard.channels.email.models import InboundEmail, InboundOutcome, InboundState, IntakeSource
from switchboard.channels.email.service import EmailChannel
from switchboard.channels.models import Inbox
from switchboard.core.clock import FixedClock
from switchboard.storage.engine import Database

CORPUS = Path(__file__).resolve().parents[3].parent / "shared" / "corpora" / "email"
CORPUS = Path(os.environ.get("SWITCHBOARD_EMAIL_CORPUS", str(CORPUS)))


def _cpython_email_data() -> Path | None:
    try:
        import test

        candidate = Path(test.__file__).parent / "test_email" / "data"
    except ImportError:
        candidate = Path(sysconfig.get_paths()["stdlib"]) / "test" / "test_email" / "data"
    return candidate if candidate.is_dir() else None


def _messages() -> list[Path]:
    files = [p for p in CORPUS.rglob("*") if p.is_file() and p.name != "README.md"] if CORPUS.is_dir() else []
    cpython = _cpython_email_data()
    if cpython is not None:
        files += [p for p in cpython.iterdir() if p.is_file()]
    return sorted(files)


MESSAGES = _messages()


@pytest.mark.skipif(not MESSAGES, reason=f"no corpus at {CORPUS} and no CPython test_email data")
def test_every_corpus_message_becomes_a_ticket_reply_or_recorded_outcome(
    channel: EmailChannel, database: Database, inbox: Inbox, clock: FixedClock
) -> None:
    raws = [path.read_bytes() for path in MESSAGES]
    stored = []
    for start in range(0, len(raws), 100):
        stored += store_raw_emails(
            database,
            channel.blobs,
            raws=raws[start : start + 100],
            source=IntakeSource.IMPORT,
            inbox_id=inbox.id,
            now=clock.now(),
        )
    channel.pipeline.process_pending(batch_size=50)

    with database.read() as session:
        records = list(session.scalars(select(InboundEmail)))
    by_id = {record.id: record for record in records}
    assert len(records) == len({s.sha256 for s in stored})  # one record per distinct message
    outcomes = Counter(record.outcome for record in records)
    unfinished = [r.id for r in records if r.state is InboundState.STORED or r.outcome is None]
    assert unfinished == []
    # The pipeline has no known failure on this corpus: a fallback means a bug to fix.
    fallbacks = {
        MESSAGES[i].name: by_id[s.inbound_id].last_error
        for i, s in enumerate(stored)
        if by_id[s.inbound_id].outcome is InboundOutcome.FALLBACK
    }
    assert fallbacks == {}
    made_something = outcomes[InboundOutcome.NEW_TICKET] + outcomes[InboundOutcome.THREADED]
    assert made_something > len(records) * 0.8, outcomes
    assert outcomes[InboundOutcome.BOUNCE] >= 1  # the corpus holds DSNs
