"""The first step of every intake (SMTP, IMAP, import): make the raw message durable.

The bytes go to the content-addressed blob store (fsynced), then one short transaction
records them in `inbound_emails`, which is also the pipeline's queue. Only after both
may an intake acknowledge the message (SMTP 250, IMAP high-water mark, import count).
The same bytes stored twice make one record: an SMTP retry, an IMAP resync or one
message sent to two of our addresses is processed once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from switchboard.channels.email.models import InboundEmail, InboundState, IntakeSource
from switchboard.channels.email.tokens import split_plus_address
from switchboard.channels.models import Channel, Inbox
from switchboard.storage.blobs import BlobStore, digest_of
from switchboard.storage.engine import Database
from switchboard.storage.ids import reserve_ids

MAX_ENVELOPE_ADDRESS = 998
MAX_ENVELOPE_RECIPIENTS = 100


@dataclass(frozen=True, slots=True)
class StoredEmail:
    inbound_id: int
    sha256: str
    duplicate: bool  # these exact bytes were already stored


def existing_record(database: Database, sha256: str) -> int | None:
    """The id of the record of these exact bytes, if any intake stored them already."""
    with database.read() as session:
        return session.scalars(select(InboundEmail.id).where(InboundEmail.sha256 == sha256)).first()


def store_raw_email(
    database: Database,
    blobs: BlobStore,
    *,
    raw: bytes,
    source: IntakeSource,
    inbox_id: int | None,
    now: datetime,
    envelope_sender: str | None = None,
    envelope_recipients: tuple[str, ...] = (),
) -> StoredEmail:
    """Durably store `raw`; returns once it survives a crash. Raises if it cannot."""
    sha256 = digest_of(raw)
    if (existing := existing_record(database, sha256)) is not None:
        return StoredEmail(inbound_id=existing, sha256=sha256, duplicate=True)
    blobs.put(raw)
    try:
        with database.write() as session:
            record = InboundEmail(
                **record_values(
                    sha256,
                    raw,
                    source=source,
                    inbox_id=inbox_id,
                    now=now,
                    envelope_sender=envelope_sender,
                    envelope_recipients=envelope_recipients,
                )
            )
            session.add(record)
            session.flush()
            return StoredEmail(inbound_id=record.id, sha256=sha256, duplicate=False)
    except IntegrityError:
        # Another intake stored the same bytes between our check and our insert.
        existing = existing_record(database, sha256)
        if existing is None:
            raise
        return StoredEmail(inbound_id=existing, sha256=sha256, duplicate=True)


def record_values(
    sha256: str,
    raw: bytes,
    *,
    source: IntakeSource,
    inbox_id: int | None,
    now: datetime,
    envelope_sender: str | None = None,
    envelope_recipients: tuple[str, ...] = (),
) -> dict[str, object]:
    """The columns `_new_record` sets, as a row for a bulk insert."""
    return {
        "sha256": sha256,
        "size_bytes": len(raw),
        "source": source,
        "inbox_id": inbox_id,
        "envelope_sender": envelope_sender[:MAX_ENVELOPE_ADDRESS] if envelope_sender is not None else None,
        "envelope_recipients": [r[:MAX_ENVELOPE_ADDRESS] for r in envelope_recipients[:MAX_ENVELOPE_RECIPIENTS]],
        "received_at": now,
        "state": InboundState.STORED,
        "attempts": 0,
        "warnings": [],
    }


def store_raw_emails(
    database: Database,
    blobs: BlobStore,
    *,
    raws: list[bytes],
    source: IntakeSource,
    inbox_id: int | None,
    now: datetime,
) -> list[StoredEmail]:
    """`store_raw_email` for a batch (imports): every blob is fsynced, then one transaction."""
    digests = [digest_of(raw) for raw in raws]
    with database.read() as session:
        rows = session.execute(
            select(InboundEmail.sha256, InboundEmail.id).where(InboundEmail.sha256.in_(set(digests)))
        )
        known: dict[str, int] = {row.sha256: row.id for row in rows}
    results: list[StoredEmail] = []
    fresh: dict[str, bytes] = {}
    for sha256, raw in zip(digests, raws, strict=True):
        if sha256 not in known:
            fresh.setdefault(sha256, raw)
    # Durable even though the source file stays: a record must never outlive its blob.
    blobs.put_many(list(fresh.values()))
    created: dict[str, int] = {}
    if fresh:
        try:
            with database.write() as session:
                # Ids reserved, then one executemany, instead of a flush per record
                # (`storage.ids`).
                ids = reserve_ids(session, InboundEmail, len(fresh))
                session.execute(
                    insert(InboundEmail),
                    [
                        {"id": record_id, **record_values(sha256, raw, source=source, inbox_id=inbox_id, now=now)}
                        for record_id, (sha256, raw) in zip(ids, fresh.items(), strict=True)
                    ],
                )
                created.update(zip(fresh, ids, strict=True))
        except IntegrityError:
            # Another intake stored one of these meanwhile: go one by one.
            created.clear()
            for sha256, raw in fresh.items():
                stored = store_raw_email(database, blobs, raw=raw, source=source, inbox_id=inbox_id, now=now)
                (known if stored.duplicate else created)[sha256] = stored.inbound_id
    seen: set[str] = set()
    for sha256 in digests:
        if sha256 in created and sha256 not in seen:
            results.append(StoredEmail(inbound_id=created[sha256], sha256=sha256, duplicate=False))
        else:
            results.append(
                StoredEmail(inbound_id=known.get(sha256, created.get(sha256, 0)), sha256=sha256, duplicate=True)
            )
        seen.add(sha256)
    return results


def email_inbox_addresses(session: Session, *, active_only: bool = True) -> dict[str, int]:
    """Every (active) email inbox address (lower case) and its inbox id."""
    query = select(Inbox.address, Inbox.id).where(Inbox.channel == Channel.EMAIL, Inbox.address.is_not(None))
    if active_only:
        query = query.where(Inbox.is_active.is_(True))
    rows = session.execute(query)
    return {address.lower(): inbox_id for address, inbox_id in rows if address}


def inbox_for_recipient(addresses: dict[str, int], recipient: str) -> int | None:
    """The inbox a recipient address reaches, plus-addressing (`support+x@`) included."""
    base, _ = split_plus_address(recipient)
    return addresses.get(base)
