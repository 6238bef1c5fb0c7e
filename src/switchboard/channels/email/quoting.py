"""Fold quoted history and signatures out of an inbound reply, so agents see what is new.

Pure functions, no I/O, and they never raise: `fold_text` for a text body, `fold_html` for an
HTML body that has already been through `switchboard.core.html.sanitise_html`.

The body is cut once: everything from the cut on is *folded* (quoted history, reply and forward
headers, the signature, mailing-list footers) and everything before it stays *visible*. The
cut goes right after the last line the customer wrote, so an in-line reply (answers written
between quoted passages) keeps its answers and the quotes they answer visible, and only the
history below the last answer is folded. Nothing is dropped: visible and folded together hold
the whole body. When the whole message looks like history (a bare forward, a reply with only a
quote), nothing is folded.

Why our own module rather than a library: see docs/email-quoting.md (quotequail, mail-parser-
reply, email-reply-parser and talon were measured on the shared reply corpus).

Bounded time: only the first `MAX_SCAN_LINES` lines / `MAX_SCAN_CHARS` characters are scanned,
header patterns are only tried on short strings (`MAX_TEST_CHARS`), and no pattern spans lines
or can backtrack catastrophically, so the cost is linear in the scanned part. Of HTML only the first
`MAX_HTML_SCAN_CHARS` characters are tokenised (by a linear scanner, not html.parser, which is
quadratic on some malformed input); the rest is carried over untouched.
"""

from __future__ import annotations

import html as html_lib
import re
from collections.abc import Sequence
from dataclasses import dataclass
from enum import IntEnum

__all__ = ["FoldedHtml", "FoldedText", "fold_html", "fold_text"]


@dataclass(frozen=True, slots=True)
class FoldedText:
    visible: str  # what the customer newly wrote
    folded: str  # quoted history + signature, "" when nothing was folded


@dataclass(frozen=True, slots=True)
class FoldedHtml:
    visible: str
    folded: str


MAX_SCAN_CHARS = 300_000  # text past this is never a reason to fold or not
MAX_SCAN_LINES = 5_000
MAX_TEST_CHARS = 500  # a reply header ("On ..., X wrote:") is never longer than this
MAX_HEADER_JOIN = 3  # a wrapped reply header spans at most this many lines
MAX_HEADER_BLOCK = 12  # lines an Outlook-style From/Sent/To/Subject block may span
SIGNATURE_MAX_LINES = 20  # non-blank lines after "-- " that still count as a signature
FOOTER_MAX_LINES = 12  # ... after a "____" mailing-list footer rule
MAX_HTML_SCAN_CHARS = 100_000  # HTML past this is copied, not scanned


# --- line patterns -----------------------------------------------------------------------

# "On <date>, <person> wrote:" and its translations: the verb closes the line.
_REPLY_VERB = re.compile(
    r"(?:\bwrote|\bschrieb|\ba\s+écrit|\bescribió|\bescreveu|\bha\s+scritto|\bschreef|\bgeschreven"
    r"|\bskrev|\bkirjoitti|\bnapisał\(a\)|\bnapisała|\bnapisał|\bnapsal\(a\)|\bnapsala|\bnapsal"
    r"|\bнаписал\(а\)|\bнаписала|\bнаписал|\bírta|\byazdı|\brašė|\bparašė|写道|書きました|님이\s*작성)"
    r"\s*[:：]$",
    re.IGNORECASE,
)
_EN_REPLY = re.compile(r"^[-\s]*On\s.*\bwrote\s*:?[-\s]*$", re.IGNORECASE)
_DIGIT = re.compile(r"\d")
# Words that open a reply header: "On", "Am", "Le", "El", "Em", "Il", "In data", "Op", "Den", ...
_HEADER_LEAD = re.compile(
    r"(?:On|Am|Le|El|Em|No\s+dia|Il|In\s+data|Op|Den|W\s+dniu|Dnia|Dne|Dana|En)\s",
    re.IGNORECASE,
)
_CONTINUATION = re.compile(r"[<(\[]|\S*@")
# Old Gmail: "2011/4/7 Name <name@example.com>" with no colon, right above the quote.
_GMAIL_DATE_LINE = re.compile(r"^\d{4}[/-]\d{1,2}[/-]\d{1,2}\s.{0,200}<[^<>\s]+@[^<>\s]+>$")
# The tail of a link that wrapped inside a quote: "(http://example.com/x) >", "_nonce=3dd)".
_WRAPPED_LINK = re.compile(r"^\(?\S*://\S*\)?\s*>?$|^[^\s()]+\)$")
_ADDRESS = re.compile(r"[\w.+-]@[\w-]+\.\w")
_DATE_OR_TIME = re.compile(r"\d{1,2}[:.h]\d{2}\b|\b(?:19|20)\d{2}\b|\d年")

# "-----Original Message-----", "---------- Forwarded message ---------" and translations.
_FORWARD_PHRASES = (
    r"original\s+message|reply\s+message|forwarded\s+message|ursprüngliche\s+nachricht|antwort\s+nachricht"
    r"|weitergeleitete\s+nachricht"
    r"|originalnachricht|message\s+d['’]origine|message\s+transféré|message\s+original|mensaje\s+original"
    r"|mensaje\s+reenviado|messaggio\s+originale|messaggio\s+inoltrato|mensagem\s+original"
    r"|mensagem\s+encaminhada|oorspronkelijk\s+bericht|origineel\s+bericht|doorgestuurd\s+bericht"
    r"|oprindelig\s+(?:meddelelse|besked)|videresendt\s+(?:meddelelse|besked|melding)|opprinnelig\s+melding"
    r"|ursprungligt\s+meddelande|vidarebefordrat\s+meddelande|alkuperäinen\s+viesti|välitetty\s+viesti"
    r"|wiadomość\s+oryginalna|oryginalna\s+wiadomość|przekazana\s+wiadomość|původní\s+zpráva"
    r"|přeposlaná\s+zpráva|исходное\s+сообщение|пересылаемое\s+сообщение|пересланное\s+сообщение"
    r"|元のメッセージ|転送されたメッセージ|原始邮件|转发邮件|转发的邮件|원본\s*메시지|전달된\s*메시지"
)
_FORWARD_RULED = re.compile(rf"^[-=_*\s]{{2,}}(?:{_FORWARD_PHRASES})[-=_*\s:：]*$", re.IGNORECASE)
_FORWARD_INTRO = re.compile(
    r"^(?:begin\s+forwarded\s+message|anfang\s+der\s+weitergeleiteten\s+(?:e-mail|nachricht)"
    r"|début\s+du\s+message\s+réexpédié|inicio\s+del\s+mensaje\s+reenviado|inizio\s+messaggio\s+inoltrato"
    r"|início\s+da\s+mensagem\s+reencaminhada|begin\s+doorgestuurd\s+bericht)\s*[:：]$",
    re.IGNORECASE,
)

# Outlook / Apple / Gmail forward header blocks: "From: ...", "Sent: ...", "To: ...".
_FROM_KEYS = frozenset(
    {
        "from",
        "von",
        "de",
        "da",
        "van",
        "fra",
        "från",
        "od",
        "от",
        "от кого",
        "lähettäjä",
        "feladó",
        "kimden",
        "odesílatel",
        "差出人",
        "发件人",
        "寄件者",
        "보낸 사람",
        "보낸사람",
    }
)
_OTHER_KEYS = frozenset(
    {
        "to",
        "cc",
        "bcc",
        "sent",
        "date",
        "subject",
        "reply-to",
        "an",
        "gesendet",
        "datum",
        "betreff",
        "kopie",
        "antwort an",
        "à",
        "a",
        "envoyé",
        "envoyé le",
        "objet",
        "sujet",
        "copie à",
        "para",
        "enviado",
        "enviado el",
        "enviada em",
        "asunto",
        "assunto",
        "fecha",
        "cco",
        "inviato",
        "oggetto",
        "data",
        "aan",
        "verzonden",
        "onderwerp",
        "til",
        "sendt",
        "emne",
        "dato",
        "kopi",
        "till",
        "skickat",
        "ämne",
        "kopia",
        "do",
        "wysłano",
        "temat",
        "dw",
        "кому",
        "отправлено",
        "тема",
        "дата",
        "копия",
        "vastaanottaja",
        "lähetetty",
        "aihe",
        "komu",
        "odesláno",
        "předmět",
        "címzett",
        "elküldve",
        "tárgy",
        "dátum",
        "kime",
        "konu",
        "tarih",
        "宛先",
        "送信日時",
        "件名",
        "日付",
        "收件人",
        "发送时间",
        "主题",
        "日期",
        "抄送",
        "받는 사람",
        "보낸 날짜",
        "제목",
        "참조",
    }
)
_KEY_LINE = re.compile(r"^[ \t]*\*{0,2}[ \t]*([^\W\d_][^:：\n]{0,24}?)[ \t]*\*{0,2}[ \t]*[:：]")

# "Sent from my iPhone", "Get Outlook for iOS", "Von meinem iPhone gesendet", ...
_SENT_FROM = re.compile(
    r"^(?:sent\s+from|sent\s+with|sent\s+via|sent\s+using|get\s+outlook\s+for|envoyé\s+de|envoyé\s+depuis"
    r"|envoyé\s+à\s+partir\s+de|envoyé\s+avec|gesendet\s+von|gesendet\s+mit|von\s+meinem|enviado\s+desde"
    r"|enviado\s+de|enviado\s+do|enviado\s+con|inviato\s+da|verzonden\s+met|verzonden\s+vanaf"
    r"|verstuurd\s+vanaf|sendt\s+fra|skickat\s+från|wysłano\s+z|wysłane\s+z|отправлено\s+с|отправлено\s+из"
    r"|lähetetty)\b",
    re.IGNORECASE,
)
_SENT_FROM_CJK = re.compile(r"^(?:\S{1,30}から送信|发自我的\S{1,30}|\S{1,30}에서\s*보냄)$")
_BRACKETED = re.compile(r"<[^<>]{0,300}>|\([^()]{0,300}\)")
_RULE_CHARS = frozenset("-=_*~—–#+·•")


class _Kind(IntEnum):
    BLANK = 0
    TEXT = 1  # customer's own words (unless something below says otherwise)
    QUOTE = 2  # "> ..." (or inside <blockquote>)
    REPLY = 3  # "On ..., X wrote:" (possibly wrapped over a few lines)
    HISTORY = 4  # forward marker, From/Sent/To block, "Sent from my ...": the rest is history
    SIGNATURE = 5  # "-- " delimiter
    FOOTER = 6  # "____" rule above a mailing-list footer
    RULE = 7  # a line of only dashes, equals, ...: never counts as new text


_TAIL_STOPS = frozenset({_Kind.QUOTE, _Kind.REPLY, _Kind.HISTORY})


@dataclass(slots=True)
class _Line:
    kind: _Kind
    end: int  # for REPLY: index of the header's last line


def _is_quoted(line: str) -> bool:
    return line.lstrip().startswith(">")


def _is_rule(stripped: str) -> bool:
    return len(stripped) >= 2 and all(ch in _RULE_CHARS for ch in stripped)  # noqa: PLR2004


def _is_sent_from(stripped: str) -> bool:
    if len(stripped) > MAX_TEST_CHARS // 4:
        return False
    if _SENT_FROM_CJK.match(stripped):
        return True
    if not _SENT_FROM.match(stripped):
        return False
    bare = _BRACKETED.sub(" ", stripped).strip()
    # "Sent from my desk, is much easier than my mobile phone." is a sentence, not a signature.
    return len(bare.split()) <= 8 and not bare.endswith((".", "!", "?"))  # noqa: PLR2004


def _header_key(line: str) -> str | None:
    if len(line) > MAX_TEST_CHARS:
        return None
    match = _KEY_LINE.match(line)
    if match is None:
        return None
    key = " ".join(match.group(1).lower().split())
    return key if key in _FROM_KEYS or key in _OTHER_KEYS else None


def _header_block_end(lines: Sequence[str], keys: Sequence[str | None], start: int) -> int | None:
    """End (inclusive) of a From/Sent/To/Subject block starting at `start`, or None.

    `keys[i]` is line i's header key (see `_header_key`)."""
    if keys[start] is None:
        return None
    found: set[str] = set()
    last = start
    continuation = 0
    for index in range(start, min(len(lines), start + MAX_HEADER_BLOCK)):
        line = lines[index]
        key = keys[index]
        if not line.strip() or _is_quoted(line):
            break
        if key is not None:
            found.add(key)
            last = index
            continuation = 0
        else:
            continuation += 1  # a wrapped value ("From: Name\n<address>")
            if continuation > 2:  # noqa: PLR2004
                break
            last = index
    if len(found) >= 2 and (found & _FROM_KEYS or len(found) >= 3):  # noqa: PLR2004
        return last
    return None


def _looks_like_reply_header(joined: str, first_line: str) -> bool:
    text = joined.strip()
    if not text or len(text) > MAX_TEST_CHARS:
        return False
    if not text.endswith((":", "：")):
        # English clients sometimes drop the colon; Zoho frames the header in dashes.
        return (
            "wrote" in text[-12:].lower()
            and first_line.lstrip(" -")[:3].lower() == "on "
            and bool(_EN_REPLY.match(text))
            and bool(_DIGIT.search(text))
        )
    if _REPLY_VERB.search(text[-40:]):
        return bool(_DIGIT.search(text) or "@" in text)
    # Date-led headers without a verb: '30.09.2017, 18.30, "John" <john@example.com>:'
    return bool(_DIGIT.search(first_line) and _ADDRESS.search(text) and _DATE_OR_TIME.search(text))


def _strong_start(line: str) -> bool:
    return bool(_HEADER_LEAD.match(line.lstrip(" ->")))


def _weak_start(line: str) -> bool:
    """A date-led header line ("pe 20. lokakuuta 2017 klo 17.50 John"), not a wrapped address."""
    stripped = line.lstrip(" >")
    return bool(_DIGIT.search(stripped[:20])) and not _CONTINUATION.match(stripped)


def _reply_header_start(lines: Sequence[str], end: int, earliest: int) -> int | None:
    """Start of a reply header whose last line is `end`, or None.

    A header led by its keyword ("On", "Am", "Le", ...) wins, the shortest such span first;
    otherwise the shortest span that starts on a date-led line. So a wrapped header is taken
    whole, and a line of the customer's own text just above a header is never swallowed.
    """
    last = lines[end]
    # Gmail wraps "<address>:" so that the closing ">:" lands on a line of its own.
    if _is_quoted(last) and len(last.strip()) > 3:  # noqa: PLR2004
        return None
    starts = range(end, max(earliest, end - MAX_HEADER_JOIN + 1) - 1, -1)
    joined: dict[int, str] = {}
    parts: list[str] = []
    for start in starts:
        line = lines[start]
        if not line.strip() or len(line) > MAX_TEST_CHARS or (start != end and _is_quoted(line)):
            break
        parts.insert(0, line.strip())
        joined[start] = " ".join(parts)
    for accept in (_strong_start, _weak_start):
        for start, text in joined.items():
            if accept(lines[start]) and _looks_like_reply_header(text, lines[start]):
                return start
    return None


def _line_kind(lines: Sequence[str], keys: Sequence[str | None], index: int) -> tuple[_Kind, int]:
    """What line `index` is on its own, and the last line it spans (a header block spans more)."""
    line = lines[index]
    stripped = line.strip()
    if not stripped:
        return _Kind.BLANK, index
    if _is_quoted(line):
        return _Kind.QUOTE, index
    if len(line) > MAX_TEST_CHARS:
        return _Kind.TEXT, index
    if stripped == "--":  # "-- " once stripped: the signature delimiter
        return _Kind.SIGNATURE, index
    if _FORWARD_RULED.match(stripped) or _FORWARD_INTRO.match(stripped) or _is_sent_from(stripped):
        return _Kind.HISTORY, index
    block_end = _header_block_end(lines, keys, index)
    if block_end is not None:
        return _Kind.HISTORY, block_end
    if set(stripped) == {"_"}:
        return _Kind.FOOTER, index
    if _is_rule(stripped):
        return _Kind.RULE, index
    if _GMAIL_DATE_LINE.match(stripped) and _quote_follows(lines, index):
        return _Kind.REPLY, index  # "2011/4/7 Name <name@example.com>"
    return _Kind.TEXT, index


def _classify(lines: Sequence[str], forced_headers: frozenset[int] = frozenset()) -> list[_Line]:
    kinds = [_Line(_Kind.TEXT, index) for index in range(len(lines))]
    keys = [_header_key(line) for line in lines]
    index = 0
    while index < len(lines):
        kind, last = (_Kind.REPLY, index) if index in forced_headers else _line_kind(lines, keys, index)
        kinds[index].kind = kind
        if kind is _Kind.HISTORY and last > index:  # a From/Sent/To block
            # A "Message du : <date>" line right above the block belongs to it.
            if index > 0 and kinds[index - 1].kind is _Kind.TEXT and _KEY_LINE.match(lines[index - 1]):
                kinds[index - 1].kind = _Kind.HISTORY
            index = last + 1
            continue
        if kind in {_Kind.TEXT, _Kind.QUOTE}:
            start = _reply_header_start(lines, index, earliest=_first_open_line(kinds, index))
            if start is not None:
                for covered in range(start, index + 1):
                    kinds[covered].kind = _Kind.REPLY
                kinds[start].end = index
            elif kind is _Kind.TEXT and _short_reply_header(lines, index):
                kinds[index].kind = _Kind.REPLY
        index += 1
    # A hard-wrapped quote spills a line's tail (or a long link's) onto an unquoted line
    # between two quoted ones. A short answer written between quoted lines stays text.
    for index in range(1, len(lines) - 1):
        if (
            kinds[index].kind is _Kind.TEXT
            and kinds[index - 1].kind is _Kind.QUOTE
            and kinds[index + 1].kind is _Kind.QUOTE
            and (len(lines[index - 1]) >= 60 or _WRAPPED_LINK.match(lines[index].strip()))  # noqa: PLR2004
        ):
            kinds[index].kind = _Kind.QUOTE
    return kinds


def _short_reply_header(lines: Sequence[str], index: int) -> bool:
    """ "Bob wrote:" or "On Monday, Bob wrote:" right above a quote. A line with digits that is
    no full header ("reply On Wed, Apr 4, 2012, Bob wrote:") may hold the customer's words."""
    line = lines[index]
    return (
        len(line) <= MAX_TEST_CHARS // 2
        and not _DIGIT.search(line)
        and bool(_REPLY_VERB.search(line[-40:]))
        and _quote_follows(lines, index)
    )


def _quote_follows(lines: Sequence[str], index: int) -> bool:
    for after in range(index + 1, min(len(lines), index + 4)):
        if lines[after].strip():
            return _is_quoted(lines[after])
    return False


def _first_open_line(kinds: Sequence[_Line], index: int) -> int:
    """Earliest line a reply header ending at `index` may start on (not inside another one)."""
    earliest = index
    while earliest > 0 and index - earliest < MAX_HEADER_JOIN - 1 and kinds[earliest - 1].kind is _Kind.TEXT:
        earliest -= 1
    return earliest


def _find_cut(lines: Sequence[str], forced_headers: frozenset[int] = frozenset()) -> int | None:
    """Index of the first folded line, or None when nothing should be folded."""
    kinds = _classify(lines, forced_headers)
    count = len(lines)
    # For a signature or footer at i: where its tail ends (the next quote or header) and how
    # many non-blank lines it has, computed once from the bottom so the scan stays linear.
    tail_end = [count] * (count + 1)
    tail_lines = [0] * (count + 1)
    for index in range(count - 1, -1, -1):
        if kinds[index].kind in _TAIL_STOPS:
            tail_end[index], tail_lines[index] = index, 0
        else:
            tail_end[index] = tail_end[index + 1]
            tail_lines[index] = tail_lines[index + 1] + (kinds[index].kind is not _Kind.BLANK)
    last_new = -1
    index = 0
    while index < count:
        kind = kinds[index].kind
        if kind is _Kind.HISTORY:
            break
        if kind is _Kind.REPLY:
            after = kinds[index].end + 1
            while after < count and kinds[after].kind is _Kind.BLANK:
                after += 1
            if after >= count or kinds[after].kind is not _Kind.QUOTE:
                break  # the header introduces unquoted history: everything below is old
            index = after
            continue
        if kind in {_Kind.SIGNATURE, _Kind.FOOTER}:
            limit = SIGNATURE_MAX_LINES if kind is _Kind.SIGNATURE else FOOTER_MAX_LINES
            if tail_lines[index + 1] <= limit:
                index = tail_end[index + 1]
                continue
            last_new = index  # too long for a signature: a separator inside the text
        elif kind is _Kind.TEXT:
            last_new = index
        index += 1
    if last_new < 0 or last_new + 1 >= count:
        return None
    return last_new + 1


def _strip_blank_lines(text: str) -> str:
    lines = text.split("\n")
    while lines and not lines[0].strip():
        lines.pop(0)
    return "\n".join(lines).rstrip()


def fold_text(text: str) -> FoldedText:
    """Split a plain-text reply into what the customer wrote and the folded rest."""
    try:
        return _fold_text(text)
    except Exception:  # noqa: BLE001 - folding is cosmetic: any surprise shows the whole message
        return FoldedText(visible=text, folded="")


def _fold_text(text: str) -> FoldedText:
    normalised = text.replace("\r\n", "\n").replace("\r", "\n")
    scanned = normalised[:MAX_SCAN_CHARS]
    # Past the scanned part, the text follows the cut: folded if the scan ended in history,
    # visible if it ended in the customer's own text (then nothing is folded at all).
    lines = scanned.split("\n")[:MAX_SCAN_LINES]
    cut = _find_cut(lines)
    if cut is None:
        return FoldedText(visible=_strip_blank_lines(normalised) or normalised, folded="")
    offset = sum(len(line) + 1 for line in lines[:cut])
    visible = _strip_blank_lines(normalised[:offset])
    folded = _strip_blank_lines(normalised[offset:])
    if not visible:
        return FoldedText(visible=_strip_blank_lines(normalised) or normalised, folded="")
    return FoldedText(visible=visible, folded=folded)


# --- HTML ----------------------------------------------------------------------------------

_VOID = frozenset(
    {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param", "source", "track", "wbr"}
)
_BLOCK = frozenset(
    {
        "address",
        "article",
        "aside",
        "blockquote",
        "body",
        "br",
        "caption",
        "center",
        "dd",
        "div",
        "dl",
        "dt",
        "figcaption",
        "figure",
        "footer",
        "form",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "header",
        "hr",
        "html",
        "li",
        "main",
        "nav",
        "ol",
        "p",
        "pre",
        "section",
        "table",
        "tbody",
        "tfoot",
        "thead",
        "tr",
        "ul",
    }
)
_HIDDEN = frozenset({"head", "script", "style", "template", "title", "xml"})
# Raw (unsanitised) mail keeps these markers; nh3 output does not, and then the text decides.
_QUOTE_CLASSES = frozenset({"gmail_quote", "gmail_quote_container", "yahoo_quoted", "moz-cite-prefix"})
_QUOTE_IDS = frozenset({"divrplyfwdmsg", "appendonsend", "olk_src_body_section"})


class _TokenKind(IntEnum):
    START = 0
    END = 1
    VOID = 2  # a start tag with no content (void element or <x/>)
    DATA = 3
    OTHER = 4  # comment, declaration, processing instruction


@dataclass(frozen=True, slots=True)
class _Token:
    kind: _TokenKind
    raw: str
    tag: str = ""
    text: str = ""  # character data, entities decoded
    marker: bool = False  # carries a Gmail/Outlook/Yahoo/Thunderbird quote class or id


# A tag ends at the first ">" and never spans a "<": every scan stops at the next "<" or ">",
# so tokenising is linear even in hostile input (html.parser is quadratic on some of it).
_TAG = re.compile(r"""<(/?)([a-zA-Z][^\s/<>]*)((?:[^<>"']|"[^<>"]*"|'[^<>']*')*+)>""")
_ATTRIBUTE = re.compile(r"""\b(class|id)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+))""", re.IGNORECASE)
_RAW_TEXT = frozenset({"script", "style", "textarea", "title", "xml"})


def _tokenize(html: str, limit: int) -> list[_Token]:
    """Tokens covering html[:n] back to back, for some n >= limit (or all of it)."""
    tokens: list[_Token] = []
    pending = 0  # start of text not yet emitted
    cursor = 0  # where to look for the next "<"
    length = len(html)

    def text_until(end: int) -> None:
        if end > pending:
            raw = html[pending:end]
            tokens.append(_Token(_TokenKind.DATA, raw, text=html_lib.unescape(raw)))

    while cursor < length:
        if cursor >= limit:
            text_until(cursor)
            return tokens
        start = html.find("<", cursor)
        if start < 0:
            break
        if html.startswith(("<!", "<?"), start):
            closing = "-->" if html.startswith("<!--", start) else ">"
            end = html.find(closing, start + 2)
            if end < 0:  # never closed: the rest is text
                break
            text_until(start)
            pending = cursor = end + len(closing)
            tokens.append(_Token(_TokenKind.OTHER, html[start:cursor]))
            continue
        match = _TAG.match(html, start)
        if match is None:  # a lone "<" is text
            cursor = start + 1
            continue
        text_until(start)
        pending = cursor = match.end()
        name = match.group(2).lower()
        if match.group(1):
            tokens.append(_Token(_TokenKind.END, match.group(0), tag=name))
            continue
        void = name in _VOID or match.group(3).rstrip().endswith("/")
        kind = _TokenKind.VOID if void else _TokenKind.START
        tokens.append(_Token(kind, match.group(0), tag=name, marker=_has_quote_marker(match.group(3))))
        if name in _RAW_TEXT and not void:  # <style>...</style>: its content is not markup
            closing_tag = re.compile(rf"</{re.escape(name)}\s*>", re.IGNORECASE).search(html, cursor)
            end = closing_tag.start() if closing_tag else length
            tokens.append(_Token(_TokenKind.OTHER, html[cursor:end]))
            pending = cursor = end
    text_until(length)
    return tokens


def _has_quote_marker(attributes: str) -> bool:
    for match in _ATTRIBUTE.finditer(attributes):
        value = match.group(2) or match.group(3) or match.group(4) or ""
        if match.group(1).lower() == "class" and _QUOTE_CLASSES.intersection(value.split()):
            return True
        if match.group(1).lower() == "id" and value.lower() in _QUOTE_IDS:
            return True
    return False


@dataclass(frozen=True, slots=True)
class _HtmlLine:
    text: str  # "> " per <blockquote> level, then the line's text
    first: int  # token index of the line's first content
    last: int  # token index of the line's last content


class _LineBuilder:
    """Cuts the token stream into the lines a reader sees: block elements and <br> end a line,
    each <blockquote> level prefixes "> ", an <hr> is a "____" rule line."""

    def __init__(self) -> None:
        self.lines: list[_HtmlLine] = []
        self.markers: set[int] = set()
        self.parts: list[str] = []
        self.first = self.last = -1
        self.depth = self.hidden = self.pre = 0

    def flush(self) -> None:
        text = " ".join("".join(self.parts).split())
        if text:
            self.lines.append(_HtmlLine("> " * self.depth + text, self.first, self.last))
        self.parts.clear()
        self.first = self.last = -1

    def tag(self, index: int, token: _Token) -> None:
        step = 1 if token.kind is _TokenKind.START else -1 if token.kind is _TokenKind.END else 0
        opening = token.kind is not _TokenKind.END
        if token.tag in _HIDDEN:
            self.hidden = max(0, self.hidden + step)
            return
        if token.tag in _BLOCK:
            self.flush()
        elif token.tag in {"td", "th"} and opening:
            self.parts.append(" ")
        if token.tag == "blockquote":
            self.depth = max(0, self.depth + step)
        elif token.tag == "pre":
            self.pre = max(0, self.pre + step)
        if opening and not self.hidden:
            if token.marker:
                self.markers.add(len(self.lines))
                self.lines.append(_HtmlLine("> " * self.depth, index, index))
            if token.tag == "hr":
                self.lines.append(_HtmlLine("> " * self.depth + "_" * 32, index, index))

    def data(self, index: int, token: _Token) -> None:
        if self.hidden:
            return
        for number, chunk in enumerate(token.text.split("\n") if self.pre else [token.text]):
            if number:
                self.flush()
            if chunk.strip():
                self.first = index if self.first < 0 else self.first
                self.last = index
            self.parts.append(chunk)


def _html_lines(tokens: Sequence[_Token]) -> tuple[list[_HtmlLine], frozenset[int]]:
    builder = _LineBuilder()
    for index, token in enumerate(tokens):
        if token.kind is _TokenKind.DATA:
            builder.data(index, token)
        elif token.kind is not _TokenKind.OTHER:
            builder.tag(index, token)
    builder.flush()
    return builder.lines, frozenset(builder.markers)


def _split_point(tokens: Sequence[_Token], after: int, before: int) -> int:
    """First token that opens new content after token `after`, at most `before`."""
    index = after + 1
    while index < before:
        token = tokens[index]
        if token.kind is _TokenKind.END or (token.kind is _TokenKind.DATA and not token.text.strip()):
            index += 1
            continue
        break
    return index


def _open_elements(tokens: Sequence[_Token], stop: int) -> list[_Token]:
    """Elements still open before token `stop`; a stray end tag closes nothing."""
    stack: list[_Token] = []
    open_count: dict[str, int] = {}
    for token in tokens[:stop]:
        if token.kind is _TokenKind.START:
            stack.append(token)
            open_count[token.tag] = open_count.get(token.tag, 0) + 1
        elif token.kind is _TokenKind.END and open_count.get(token.tag, 0):
            # Closes the innermost open element of that name and whatever is still open inside it
            # (linear overall: every element is popped at most once).
            while stack:
                popped = stack.pop()
                open_count[popped.tag] -= 1
                if popped.tag == token.tag:
                    break
    return stack


def fold_html(html: str) -> FoldedHtml:
    """Split a sanitised HTML reply into what the customer wrote and the folded rest."""
    try:
        return _fold_html(html)
    except Exception:  # noqa: BLE001 - folding is cosmetic: any surprise shows the whole message
        return FoldedHtml(visible=html, folded="")


def _fold_html(html: str) -> FoldedHtml:
    tokens = _tokenize(html, MAX_HTML_SCAN_CHARS)
    lines, markers = _html_lines(tokens)
    lines = lines[:MAX_SCAN_LINES]
    cut = _find_cut([line.text for line in lines], markers)
    if cut is None:
        return FoldedHtml(visible=html, folded="")
    split = _split_point(tokens, lines[cut - 1].last, lines[cut].first)
    offset = sum(len(token.raw) for token in tokens[:split])
    # Past the scanned part the markup is copied as is; the cut only needs what is open there.
    open_elements = _open_elements(tokens, split)
    visible = html[:offset] + "".join(f"</{token.tag}>" for token in reversed(open_elements))
    folded = "".join(token.raw for token in open_elements) + html[offset:]
    return FoldedHtml(visible=visible.strip(), folded=folded.strip())
