"""A deterministic corpus of support email for the ingestion benchmarks.

    uv run python bench/email_corpus.py OUTDIR [--count 10000] [--seed 7] [--corpus-share 0.1]

Writes OUTDIR/00001.eml … (CRLF line endings; sorting by name gives the sending order)
and OUTDIR/manifest.json, which says for every file what kind it is, its Message-ID and,
for a reply, the Message-ID it answers and the one that opened its thread, so a
benchmark can check that replies landed on the right ticket.

The mix, for the default corpus share of 10 %: about 40 % plain-text new requests from a
pool of 2,000 customers, 20 % HTML with a text alternative (a third of them with an
inline cid: image), 10 % multipart/mixed with one to three PDF or PNG attachments
(5 KB–500 KB, about 60 KB on average), 20 % replies by the same customer to an earlier
generated message (In-Reply-To and References, "Re:" subject, the history quoted below
"On … wrote:"), and 10 % real-world files from shared/corpora/email, copied byte for byte
(broken MIME, odd charsets, spam, and some files that are not mail at all). A corpus
share other than 10 % scales the other kinds in the same 4:2:1:2 proportion.

Only the standard library; the same seed always gives the same bytes.
"""

from __future__ import annotations

import argparse
import json
import math
import random
import re
import struct
import textwrap
import zlib
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email import policy
from email.message import EmailMessage
from email.parser import BytesHeaderParser
from email.utils import format_datetime
from pathlib import Path
from typing import Any

SHARED_CORPUS_DIR = Path(__file__).resolve().parents[2] / "shared" / "corpora" / "email"

# Kind names, as written to the manifest.
PLAIN = "plain"
HTML = "html"
ATTACHMENTS = "attachments"
REPLY = "reply"
CORPUS = "corpus"

# Relative weights of the generated kinds; the corpus share is taken off the top.
GENERATED_WEIGHTS = {PLAIN: 4, HTML: 2, ATTACHMENTS: 1, REPLY: 2}

CUSTOMER_POOL = 2_000
INLINE_IMAGE_SHARE = 1 / 3  # of the HTML messages
HTML_REPLY_SHARE = 1 / 4  # of the replies
RECENT_THREADS = 400  # a reply answers one of the most recent threads
ATTACHMENT_MIN = 5_000
ATTACHMENT_MAX = 500_000
ATTACHMENT_MEDIAN = 37_000  # log-normal, clipped to the range above: mean about 60 KB
ATTACHMENT_SIGMA = 1.0
QUOTE_LINES_MAX = 80
START = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)

FIRST_NAMES = (
    "Aisha", "Alex", "Amelia", "Ana", "Andrei", "Anna", "Ben", "Bruno", "Camille", "Carlos",
    "Chen", "Chloé", "Daniel", "David", "Diego", "Elif", "Elena", "Emma", "Fatima", "Felix",
    "Grace", "Hana", "Hiroshi", "Ines", "Isabel", "Ivan", "Jack", "James", "Jana", "José",
    "Julia", "Kai", "Karin", "Laura", "Leo", "Liam", "Lucía", "Łukasz", "Maria", "Marta",
    "Mateo", "Mei", "Mia", "Mohammed", "Nadia", "Noah", "Nora", "Olivia", "Omar", "Pedro",
    "Priya", "Rahul", "Rosa", "Ruth", "Sam", "Sara", "Sofia", "Søren", "Tariq", "Thomas",
    "Tom", "Valentina", "Victor", "Wei", "Yuki", "Zoë",
)  # fmt: skip
LAST_NAMES = (
    "Adams", "Ahmed", "Álvarez", "Andersen", "Baker", "Becker", "Bianchi", "Brown", "Chen",
    "Costa", "Dubois", "Fischer", "García", "Green", "Hansen", "Hughes", "Ivanova", "Jansen",
    "Jones", "Kim", "Kowalski", "Kumar", "Lee", "López", "Martin", "Meyer", "Müller", "Nakamura",
    "Nguyen", "Novak", "O'Brien", "Okafor", "Patel", "Pereira", "Petrov", "Rossi", "Santos",
    "Schmidt", "Silva", "Singh", "Smith", "Suzuki", "Tanaka", "Taylor", "Walker", "Wang",
    "Weber", "Williams", "Wilson", "Yilmaz", "Zhang",
)  # fmt: skip
DOMAINS = (
    "example.com", "example.org", "example.net", "mail.example.com", "acme.example",
    "globex.example", "initech.example", "umbrella.example", "hooli.example", "stark.example",
    "wayne.example", "wonka.example", "tyrell.example", "soylent.example", "cyberdyne.example",
)  # fmt: skip
PRODUCTS = (
    "the mobile app", "the web dashboard", "the desktop client", "the API", "the billing portal",
    "the reporting module", "the Outlook add-in", "the iOS app", "the Android app", "the CSV export",
)  # fmt: skip
GREETINGS = ("Hello,", "Hi,", "Hi there,", "Dear support team,", "Good morning,", "Hello support,")
SIGN_OFFS = ("Thanks,", "Thank you,", "Best regards,", "Kind regards,", "Cheers,", "Many thanks,")

# Subjects and opening paragraphs of new requests; {product}, {order}, {invoice},
# {amount}, {date}, {browser}, {error}, {count} are filled in.
TOPICS: tuple[tuple[str, str], ...] = (
    (
        "Cannot log in to my account",
        (
            "Since this morning I can't log in to {product}. I enter my password and the page "
            "just reloads, no error message. I already tried resetting the password twice and "
            "clearing the cache in {browser}."
        ),
    ),
    (
        "Password reset email never arrives",
        (
            "I requested a password reset {count} times today but the email never arrives. It "
            "is not in my spam folder either. Could you check whether my address is blocked?"
        ),
    ),
    (
        "Charged twice for order {order}",
        (
            "My card was charged twice for order {order} ({amount} each, on {date}). Please "
            "refund the duplicate payment. I attached nothing but can send a bank statement."
        ),
    ),
    (
        "Refund request for order {order}",
        (
            "I would like to return order {order}. The item arrived damaged and the box was "
            "crushed. What is the procedure for a refund of {amount}?"
        ),
    ),
    (
        "Invoice {invoice} has the wrong VAT number",
        (
            "Invoice {invoice} shows our old VAT number. Our accounting department cannot book "
            "it like this. Could you reissue it with the correct details?"
        ),
    ),
    (
        "Where is my order {order}?",
        (
            "I ordered on {date} and the tracking page still says 'label created'. The "
            "delivery estimate was two days ago. Order number {order}."
        ),
    ),
    (
        "Error {error} when exporting reports",
        (
            "Every time I try to export a report from {product} I get error {error}. It worked "
            "fine last week. The report has about {count} rows."
        ),
    ),
    (
        "App crashes on startup",
        (
            "After the latest update {product} crashes immediately on startup. I reinstalled it "
            "but the problem persists. It happens on both my devices."
        ),
    ),
    (
        "Feature request: dark mode",
        (
            "Would it be possible to add a dark mode to {product}? Many of us work late and "
            "the white background is tiring. Happy to test a beta."
        ),
    ),
    (
        "Please delete my account",
        (
            "Please delete my account and all associated data, in accordance with the GDPR. "
            "I no longer use {product}. Kindly confirm once this is done."
        ),
    ),
    (
        "Upgrade to the business plan",
        (
            "We are {count} people now and would like to move to the business plan. Can the "
            "upgrade be pro-rated against what we paid on {date}?"
        ),
    ),
    (
        "Two-factor authentication codes rejected",
        (
            "My two-factor codes are always rejected by {product}, even freshly generated "
            "ones. The clock on my phone is set automatically. I am locked out."
        ),
    ),
    (
        "Data missing after sync",
        (
            "After syncing yesterday, about {count} records disappeared from {product}. They "
            "are still on my laptop but not on the server. Is there a backup?"
        ),
    ),
    (
        "Question about your pricing",
        (
            "Your website lists two different prices for the annual plan ({amount} and a "
            "discounted one). Which one applies to existing customers?"
        ),
    ),
    (
        "Slow performance since the update",
        (
            "Since the update on {date}, {product} takes more than a minute to load the "
            "dashboard. Before it was a few seconds. We have about {count} tickets."
        ),
    ),
    (
        "Cannot change billing address",
        (
            "The billing portal does not let me save a new billing address, the button stays "
            "greyed out in {browser}. Our next invoice must go to the new office."
        ),
    ),
)
FOLLOW_UPS = (
    "Steps I tried so far:\n- logged out and in again\n- restarted the device\n- tried another browser",
    "This is quite urgent for us, as the whole team depends on it.",
    "Our account is registered under this email address.",
    "Please let me know if you need any more information from my side.",
    "I have attached a screenshot where I could.",
    "Could you also tell me whether this affects other users?",
    "We are on the annual plan, renewed in January.",
    "My colleague reports the same problem on her account.",
)
REPLY_OPENERS = (
    "Any update on this? It is still not working.",
    "Thanks for the quick answer. Unfortunately the problem is back since this morning.",
    "I tried what you suggested but nothing changed.",
    "Just following up on my previous message below.",
    "Thank you, that fixed it! You can close the ticket.",
    (
        "Here is the additional information you asked for: the order was placed from the "
        "mobile app, logged in with this address."
    ),
    "Sorry, I forgot to mention that this happens on every device I use.",
    "Could someone please get back to me? It has been a few days now.",
    "I am still waiting for the refund, it has not arrived on my card.",
    "One more detail: the error appears only when I am on the office network.",
)
BROWSERS = ("Firefox", "Chrome", "Safari", "Edge", "Brave")
ERRORS = ("E1042", "500 Internal Server Error", "ERR_TIMEOUT", "0x80070005", "E-403", "SYNC-17")


@dataclass(frozen=True)
class Customer:
    name: str
    address: str

    @property
    def header(self) -> str:
        return f"{self.name} <{self.address}>"


@dataclass
class Thread:
    customer: Customer
    subject: str
    root_id: str
    message_ids: list[str] = field(default_factory=list)
    last_text: str = ""
    last_date: datetime = START


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("outdir", type=Path)
    parser.add_argument("--count", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--to", dest="to_address", default="support@example.test")
    parser.add_argument("--corpus-share", type=float, default=0.1)
    parser.add_argument("--corpus-dir", type=Path, default=SHARED_CORPUS_DIR)
    args = parser.parse_args()
    paths = generate_corpus(
        args.outdir,
        count=args.count,
        seed=args.seed,
        to_address=args.to_address,
        corpus_share=args.corpus_share,
        corpus_dir=args.corpus_dir,
    )
    manifest = json.loads((args.outdir / "manifest.json").read_text())
    kinds = Counter(entry["kind"] for entry in manifest["messages"])
    size = sum(path.stat().st_size for path in paths)
    summary = ", ".join(f"{kind} {kinds[kind]}" for kind in (*GENERATED_WEIGHTS, CORPUS))
    print(f"{len(paths)} messages ({size / 1e6:.1f} MB) in {args.outdir}: {summary}")


def generate_corpus(
    directory: Path,
    *,
    count: int = 10_000,
    seed: int = 7,
    to_address: str = "support@example.test",
    corpus_share: float = 0.1,
    corpus_dir: Path = SHARED_CORPUS_DIR,
) -> list[Path]:
    """Write `count` .eml files and manifest.json into `directory`; return the files in sending order.

    Earlier NNNNN.eml files and the manifest in `directory` are removed first, so the
    directory holds exactly this corpus.
    """
    if count < 1:
        raise ValueError("count must be at least 1")
    if not 0 <= corpus_share <= 1:
        raise ValueError("corpus_share must be between 0 and 1")
    directory.mkdir(parents=True, exist_ok=True)
    for old in directory.iterdir():
        if re.fullmatch(r"\d+\.eml", old.name) or old.name == "manifest.json":
            old.unlink()

    rng = random.Random(seed)
    kinds = _plan_kinds(rng, count, corpus_share)
    real_files = _real_files(corpus_dir, rng) if CORPUS in kinds else []
    customers = _customers(rng)
    width = max(5, len(str(count)))
    builder = _Builder(rng, to_address)
    threads: list[Thread] = []
    entries: list[dict[str, Any]] = []
    paths: list[Path] = []
    when = START
    corpus_used = 0
    for index, kind in enumerate(kinds, start=1):
        when += timedelta(seconds=rng.randint(5, 240))
        path = directory / f"{index:0{width}d}.eml"
        entry: dict[str, Any] = {"file": path.name, "kind": kind}
        if kind == CORPUS:
            source = real_files[corpus_used % len(real_files)]
            corpus_used += 1
            data = source.read_bytes()
            entry.update(_corpus_entry(source, corpus_dir, data))
        elif kind == REPLY:
            recent = threads[-RECENT_THREADS:]
            thread = recent[rng.randrange(len(recent))]
            message_id = builder.message_id(index, thread.customer)
            data, text = builder.reply(thread, message_id, when)
            entry.update(
                message_id=message_id,
                in_reply_to=thread.message_ids[-1],
                thread_root=thread.root_id,
                customer=thread.customer.address,
            )
            thread.message_ids.append(message_id)
            thread.last_text, thread.last_date = text, when
        else:
            customer = customers[rng.randrange(len(customers))]
            message_id = builder.message_id(index, customer)
            subject, text = builder.request(customer)
            data, attachments = builder.original(
                kind, customer, subject=subject, text=text, message_id=message_id, when=when
            )
            entry.update(message_id=message_id, in_reply_to=None, thread_root=message_id, customer=customer.address)
            if attachments:
                entry["attachments"] = attachments
            threads.append(Thread(customer, subject, message_id, [message_id], text, when))
        entry["bytes"] = len(data)
        path.write_bytes(data)
        entries.append(entry)
        paths.append(path)

    manifest = {
        "seed": seed,
        "count": count,
        "to_address": to_address,
        "corpus_share": corpus_share,
        "corpus_dir": str(corpus_dir) if real_files else None,
        "kinds": dict(Counter(kinds)),
        "messages": entries,
    }
    (directory / "manifest.json").write_text(json.dumps(manifest, indent=1, ensure_ascii=False) + "\n")
    return paths


# -- plan -------------------------------------------------------------------------------


def _plan_kinds(rng: random.Random, count: int, corpus_share: float) -> list[str]:
    """Exact shares, shuffled; the first message is always an original so every reply has one before it."""
    corpus = round(count * corpus_share)
    generated = count - corpus
    total_weight = sum(GENERATED_WEIGHTS.values())
    counts = {kind: generated * weight // total_weight for kind, weight in GENERATED_WEIGHTS.items()}
    counts[PLAIN] += generated - sum(counts.values())
    kinds = [kind for kind, n in counts.items() for _ in range(n)] + [CORPUS] * corpus
    rng.shuffle(kinds)
    first_original = next((i for i, kind in enumerate(kinds) if kind in (PLAIN, HTML, ATTACHMENTS)), None)
    if first_original is not None:
        first_reply = next((i for i, kind in enumerate(kinds) if kind == REPLY), len(kinds))
        if first_reply < first_original:
            kinds[first_reply], kinds[first_original] = kinds[first_original], kinds[first_reply]
    return kinds


def _real_files(corpus_dir: Path, rng: random.Random) -> list[Path]:
    """Every file under the shared corpus but its README, in a seeded order (cycled through)."""
    if not corpus_dir.is_dir():
        raise FileNotFoundError(f"real-world corpus not found at {corpus_dir} (or pass corpus_share=0)")
    files = sorted(
        (path for path in corpus_dir.rglob("*") if path.is_file() and path.name != "README.md"),
        key=lambda path: path.relative_to(corpus_dir).as_posix(),
    )
    if not files:
        raise FileNotFoundError(f"no files in {corpus_dir}")
    rng.shuffle(files)
    return files


def _corpus_entry(source: Path, corpus_dir: Path, data: bytes) -> dict[str, Any]:
    headers = BytesHeaderParser(policy=policy.compat32).parsebytes(data)

    def header(name: str) -> str | None:
        value = headers.get(name)
        return " ".join(str(value).split()) if value is not None else None

    return {
        "source": source.relative_to(corpus_dir).as_posix(),
        "message_id": header("Message-ID"),
        "in_reply_to": header("In-Reply-To"),
        "thread_root": None,
        "customer": None,
    }


def _customers(rng: random.Random) -> list[Customer]:
    customers: list[Customer] = []
    seen: set[str] = set()
    while len(customers) < CUSTOMER_POOL:
        first, last, domain = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES), rng.choice(DOMAINS)
        local = _ascii_slug(f"{first}.{last}")
        if local in seen:
            local = f"{local}{rng.randint(2, 99)}"
        if local in seen:
            continue
        seen.add(local)
        customers.append(Customer(f"{first} {last}", f"{local}@{domain}"))
    return customers


def _ascii_slug(text: str) -> str:
    table = str.maketrans("áéíóúüöøłçÁÉÍÓÚÜÖØŁ", "aeiouuoolcAEIOUUOOL", "'")
    return text.translate(table).lower()


# -- messages ---------------------------------------------------------------------------


class _Builder:
    def __init__(self, rng: random.Random, to_address: str) -> None:
        self.rng = rng
        self.to_address = to_address

    def message_id(self, index: int, customer: Customer) -> str:
        domain = customer.address.rpartition("@")[2]
        return f"<{index:06d}.{self.rng.getrandbits(48):012x}@{domain}>"

    def request(self, customer: Customer) -> tuple[str, str]:
        rng = self.rng
        subject, opening = rng.choice(TOPICS)
        fields = {
            "product": rng.choice(PRODUCTS),
            "order": f"#{rng.randint(100_000, 999_999)}",
            "invoice": f"INV-{rng.randint(2024, 2026)}-{rng.randint(1, 99_999):05d}",
            "amount": f"€{rng.randint(5, 2_000)}.{rng.randint(0, 99):02d}",
            "date": f"{rng.randint(1, 28)} {rng.choice(('January', 'February', 'March', 'April'))}",
            "browser": rng.choice(BROWSERS),
            "error": rng.choice(ERRORS),
            "count": str(rng.choice((2, 3, 5, 12, 40, 250, 1_500, 20_000))),
        }
        paragraphs = [rng.choice(GREETINGS), _wrap(opening.format(**fields))]
        paragraphs += [_wrap(text) for text in rng.sample(FOLLOW_UPS, rng.randint(0, 3))]
        paragraphs.append(f"{rng.choice(SIGN_OFFS)}\n{customer.name}")
        if rng.random() < 0.3:
            paragraphs.append(f"-- \n{customer.name}\n{rng.choice(DOMAINS).split('.')[0].title()} Ltd.")
        return subject.format(**fields), "\n\n".join(paragraphs) + "\n"

    def original(
        self, kind: str, customer: Customer, *, subject: str, text: str, message_id: str, when: datetime
    ) -> tuple[bytes, list[dict[str, Any]]]:
        message = self._headers(customer.header, subject, message_id, when)
        message.set_content(text)
        attachments: list[dict[str, Any]] = []
        if kind == HTML:
            message.add_alternative(_html(text, self.rng.random() < INLINE_IMAGE_SHARE), subtype="html")
            html_part = message.get_payload()[1]
            if "cid:" in html_part.get_content():
                image = _png(self.rng, self.rng.randint(2_000, 20_000))
                html_part.add_related(image, "image", "png", cid="<logo@inline.example>", filename="screenshot.png")
        elif kind == ATTACHMENTS:
            for number in range(1, self.rng.randint(1, 3) + 1):
                size = _attachment_size(self.rng)
                if self.rng.random() < 0.5:
                    data, maintype, subtype, name = _pdf(self.rng, size), "application", "pdf", f"document-{number}.pdf"
                else:
                    data, maintype, subtype, name = _png(self.rng, size), "image", "png", f"screenshot-{number}.png"
                message.add_attachment(data, maintype, subtype, filename=name)
                attachments.append({"filename": name, "bytes": len(data)})
        return self._serialise(message), attachments

    def reply(self, thread: Thread, message_id: str, when: datetime) -> tuple[bytes, str]:
        rng = self.rng
        message = self._headers(thread.customer.header, f"Re: {thread.subject}", message_id, when)
        message["In-Reply-To"] = thread.message_ids[-1]
        message["References"] = " ".join(thread.message_ids[-10:])
        quoted = [f"> {line}".rstrip() for line in thread.last_text.splitlines()][:QUOTE_LINES_MAX]
        attribution = f"On {format_datetime(thread.last_date)}, {thread.customer.header} wrote:"
        own = f"{rng.choice(REPLY_OPENERS)}\n\n{rng.choice(SIGN_OFFS)}\n{thread.customer.name.split()[0]}\n"
        text = f"{_wrap(own)}\n{attribution}\n" + "\n".join(quoted) + "\n"
        message.set_content(text)
        if rng.random() < HTML_REPLY_SHARE:
            message.add_alternative(_html_reply(own, attribution, thread.last_text), subtype="html")
        return self._serialise(message), text

    def _headers(self, sender: str, subject: str, message_id: str, when: datetime) -> EmailMessage:
        message = EmailMessage(policy=policy.SMTP)
        message["From"] = sender
        message["To"] = self.to_address
        message["Subject"] = subject
        message["Date"] = format_datetime(when)
        message["Message-ID"] = message_id
        message["X-Mailer"] = self.rng.choice(
            ("Mozilla Thunderbird 128.3", "Microsoft Outlook 16.0", "Apple Mail (2.3774)", "Gmail", "K-9 Mail")
        )
        return message

    def _serialise(self, message: EmailMessage) -> bytes:
        # Boundaries from the seeded generator, not the email package's global one.
        for part in message.walk():
            if part.is_multipart():
                part.set_boundary(f"=_sb_{self.rng.getrandbits(64):016x}")
        return message.as_bytes(policy=policy.SMTP)


def _wrap(text: str) -> str:
    return "\n".join(textwrap.fill(line, width=72) if len(line) > 72 else line for line in text.split("\n"))


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _html(text: str, with_image: bool) -> str:
    paragraphs = "".join(f"<p>{_escape(paragraph).replace(chr(10), '<br>')}</p>\n" for paragraph in text.split("\n\n"))
    image = '<p><img src="cid:logo@inline.example" alt="screenshot" width="320"></p>\n' if with_image else ""
    return (
        '<!DOCTYPE html>\n<html><head><meta charset="utf-8"></head>\n'
        f'<body style="font-family: Arial, sans-serif; font-size: 14px">\n{paragraphs}{image}</body></html>\n'
    )


def _html_reply(own: str, attribution: str, quoted: str) -> str:
    own_html = "".join(f"<p>{_escape(p).replace(chr(10), '<br>')}</p>" for p in own.strip().split("\n\n"))
    quoted_html = _escape(quoted).replace("\n", "<br>\n")
    return (
        '<!DOCTYPE html>\n<html><head><meta charset="utf-8"></head><body>\n'
        f'<div dir="ltr">{own_html}</div>\n<div class="gmail_quote"><div>{_escape(attribution)}</div>\n'
        f'<blockquote style="margin:0 0 0 .8ex;border-left:1px #ccc solid;padding-left:1ex">\n{quoted_html}'
        "</blockquote></div></body></html>\n"
    )


# -- attachments ------------------------------------------------------------------------


def _attachment_size(rng: random.Random) -> int:
    size = int(rng.lognormvariate(math.log(ATTACHMENT_MEDIAN), ATTACHMENT_SIGMA))
    return min(ATTACHMENT_MAX, max(ATTACHMENT_MIN, size))


def _png(rng: random.Random, size: int) -> bytes:
    """A valid RGB PNG of `size` bytes (at least ~1 KB): noise, so it does not compress.

    The pixel rows come short of the size; a private ancillary chunk, which decoders
    skip, pads the file to it.
    """
    width = 256
    row = 1 + 3 * width
    height = max(1, (size - 300 - size // 10_000) // row)
    raw = b"".join(b"\x00" + rng.randbytes(3 * width) for _ in range(height))

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    image = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw, 1))
    padding = size - len(image) - 2 * 12  # the padding chunk's and IEND's own 12 bytes
    if padding >= 0:
        image += chunk(b"spAd", bytes(padding))
    return image + chunk(b"IEND", b"")


def _pdf(rng: random.Random, size: int) -> bytes:
    """PDF-shaped bytes of `size`: header, objects, a binary stream, xref and trailer."""
    head = (
        b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n"
        b"1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n"
        b"2 0 obj\n<< /Type /Pages /Kids [3 0 R] /Count 1 >>\nendobj\n"
        b"3 0 obj\n<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R >>\nendobj\n"
    )
    tail = b"\nendstream\nendobj\nxref\n0 5\ntrailer\n<< /Size 5 /Root 1 0 R >>\nstartxref\n0\n%%EOF\n"
    body_length = 0
    for _ in range(3):  # the /Length digits count towards the size; settles in two rounds
        stream = f"4 0 obj\n<< /Length {body_length} /Filter /FlateDecode >>\nstream\n".encode()
        body_length = max(0, size - len(head) - len(stream) - len(tail))
    stream = f"4 0 obj\n<< /Length {body_length} /Filter /FlateDecode >>\nstream\n".encode()
    return head + stream + rng.randbytes(body_length) + tail


if __name__ == "__main__":
    main()
