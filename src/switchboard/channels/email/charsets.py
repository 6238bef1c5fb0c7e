"""Bytes to text for mail that mislabels its charset: charsets, transfer encodings,
RFC 2047 encoded words and RFC 2231 parameters.

Everything here is total: any bytes and any charset label give a string, plus a
human-readable note when the result is a guess. Nothing raises.
"""

from __future__ import annotations

import binascii
import codecs
import re
from collections.abc import Callable
from functools import lru_cache
from urllib.parse import unquote_to_bytes

# Receives a human-readable warning, or None when there is nothing to report.
Warn = Callable[[str | None], None]

# Labels seen in real mail that Python does not know, or knows as a narrower charset
# than the one mail clients actually write under that name (e.g. Outlook's "ks_c_5601-1987"
# is cp949, and "gb2312" mail routinely contains GBK characters).
_ALIASES: dict[str, str] = {
    "utf8": "utf-8",
    "unicode-1-1-utf-8": "utf-8",
    "x-unicode20utf8": "utf-8",
    "ks_c_5601-1987": "cp949",
    "ks_c_5601": "cp949",
    "ksc5601": "cp949",
    "ksc_5601": "cp949",
    "euc-kr": "cp949",
    "x-windows-949": "cp949",
    "windows-949": "cp949",
    "gb2312": "gb18030",
    "gb_2312-80": "gb18030",
    "csgb2312": "gb18030",
    "euc-cn": "gb18030",
    "x-euc-cn": "gb18030",
    "gbk": "gb18030",
    "x-gbk": "gb18030",
    "cp936": "gb18030",
    "chinese": "gb18030",
    "big5": "big5hkscs",
    "big-5": "big5hkscs",
    "cn-big5": "big5hkscs",
    "x-x-big5": "big5hkscs",
    "shift_jis": "cp932",
    "shift-jis": "cp932",
    "sjis": "cp932",
    "x-sjis": "cp932",
    "ms_kanji": "cp932",
    "csshiftjis": "cp932",
    "windows-31j": "cp932",
    "x-ms-cp932": "cp932",
    "x-euc-jp": "euc_jp",
    "iso-2022-jp": "iso2022_jp_ext",
    "csiso2022jp": "iso2022_jp_ext",
    "iso-8859-8-i": "iso8859_8",
    "iso-8859-6-i": "iso8859_6",
    "windows-874": "cp874",
    "x-mac-roman": "mac_roman",
    "macintosh": "mac_roman",
    "tis-620": "cp874",
    # Browsers and mail clients read Latin-1 labels as windows-1252: the C1 range holds
    # curly quotes and the euro sign in practice, never control characters.
    "iso-8859-1": "cp1252",
    "iso8859-1": "cp1252",
    "iso_8859-1": "cp1252",
    "latin1": "cp1252",
    "latin-1": "cp1252",
    "l1": "cp1252",
    "ascii": "ascii",
    "us-ascii": "ascii",
}

# Labels that mean "the sender did not know": decode by sniffing, without a warning
# about an unknown charset.
_UNKNOWN_LABELS = frozenset({"", "x-unknown", "unknown-8bit", "unknown", "x-user-defined", "default", "none"})

# Python text codecs that are not charsets: they interpret escapes or DNS labels and can
# produce NUL, lone surrogates or exceptions from innocent-looking input.
_REFUSED_CODECS = frozenset({"unicode-escape", "raw-unicode-escape", "idna", "punycode", "undefined", "charmap"})

# Single-byte charsets whose mislabelled mail is almost always UTF-8 in disguise.
_WESTERN_SINGLE_BYTE = frozenset(
    {"ascii", "cp1252", "iso8859-1", "iso8859-15", "cp1250", "iso8859-2", "cp1257", "iso8859-9", "cp1254"}
)

_MAX_LABEL = 64
FALLBACK = "windows-1252"


def _label_for_display(label: str) -> str:
    return repr(label[:_MAX_LABEL])


@lru_cache(maxsize=512)
def resolve_charset(label: str | None) -> str | None:
    """The Python codec name for a MIME charset label, or None when unknown or unusable."""
    if label is None:
        return None
    name = label.strip().strip("\"'").strip().lower()
    # RFC 2231 allows a language suffix: "utf-8*en".
    name = name.split("*", 1)[0]
    if name in _UNKNOWN_LABELS or len(name) > _MAX_LABEL:
        return None
    name = _ALIASES.get(name, name)
    try:
        info = codecs.lookup(name)
    except (LookupError, ValueError, TypeError):
        return None
    if not getattr(info, "_is_text_encoding", True) or info.name in _REFUSED_CODECS:
        return None
    return info.name


# Stateful encodings switch character sets with escape sequences made of ASCII bytes,
# so pure-ASCII input is not necessarily ASCII text.
_STATEFUL_PREFIXES = ("iso2022", "hz", "utf-7")


@lru_cache(maxsize=512)
def _ascii_compatible(codec: str) -> bool:
    if codec.startswith(_STATEFUL_PREFIXES):
        return False
    probe = bytes(range(128))
    try:
        return codecs.decode(probe, codec) == probe.decode("ascii")
    except (UnicodeDecodeError, LookupError, ValueError, TypeError):
        return False


def _latin_fallback(data: bytes) -> str:
    return data.decode("cp1252", errors="replace")


def _decoded_utf8_or_none(data: bytes) -> str | None:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return None


def _mostly_utf8(data: bytes) -> str | None:
    """UTF-8 with a few broken bytes (a truncated character, a stray byte), or None.

    Text in another charset has next to no valid multi-byte sequences, so more real
    characters than replacement characters means the bytes are UTF-8 after all.
    """
    lenient = data.decode("utf-8", errors="replace")
    replaced = lenient.count("\ufffd")
    non_ascii = len(lenient) - len(lenient.encode("ascii", "ignore"))
    return lenient if non_ascii - replaced > replaced else None


def _decode_undeclared(data: bytes, label: str, where: str) -> tuple[str, str | None]:
    if data.isascii():
        return data.decode("ascii"), None
    says_unknown = label.strip("\"'").lower().split("*", 1)[0] in _UNKNOWN_LABELS
    text = _decoded_utf8_or_none(data)
    if text is not None:
        note = None if says_unknown else f"unknown charset {_label_for_display(label)} in {where}; read as utf-8"
        return text, note
    text = _mostly_utf8(data)
    if text is not None:
        return text, f"invalid utf-8 bytes in {where}; replaced with \ufffd"
    what = "undeclared 8-bit text" if says_unknown else f"unknown charset {_label_for_display(label)}"
    return _latin_fallback(data), f"{what} in {where}; read as {FALLBACK}"


def decode_text(data: bytes, charset: str | None, where: str) -> tuple[str, str | None]:
    """Decode `data` declared as `charset`; returns the text and a warning when it guessed.

    Never raises. `where` names the source for the warning ("text/plain part",
    "Subject header"). An absent charset is not worth a warning when the bytes are
    ASCII or valid UTF-8; unknown or lying labels are.
    """
    label = (charset or "").strip()
    codec = resolve_charset(label)
    if codec is None:
        return _decode_undeclared(data, label, where)

    if data.isascii() and _ascii_compatible(codec):
        return data.decode("ascii"), None

    if codec in _WESTERN_SINGLE_BYTE:
        # A declared single-byte charset over bytes that form valid multi-byte UTF-8 is
        # a mislabel: real Latin-1 text almost never happens to be valid UTF-8.
        text = _decoded_utf8_or_none(data)
        if text is not None:
            return text, f"{where} declared {_label_for_display(label)} but is utf-8; read as utf-8"
        if codec == "ascii":
            note = f"{where} declared {_label_for_display(label)} but has 8-bit bytes; read as {FALLBACK}"
            return _latin_fallback(data), note

    try:
        return codecs.decode(data, codec), None
    except (UnicodeDecodeError, ValueError, LookupError, TypeError):
        pass

    if codec == "utf-8":
        text = _mostly_utf8(data)
        if text is not None:
            return text, f"invalid utf-8 bytes in {where}; replaced with \ufffd"
        return _latin_fallback(data), f"{where} declared utf-8 but is not; read as {FALLBACK}"

    text = _decoded_utf8_or_none(data)
    if text is not None:
        return text, f"{where} declared {_label_for_display(label)} but is utf-8; read as utf-8"
    try:
        text = codecs.decode(data, codec, "replace")
    except (UnicodeDecodeError, ValueError, LookupError, TypeError):
        return _latin_fallback(data), f"unreadable {_label_for_display(label)} text in {where}; read as {FALLBACK}"
    return text, f"invalid {_label_for_display(label)} bytes in {where}; replaced with \ufffd"


_B64_JUNK = re.compile(rb"[^A-Za-z0-9+/]")
_B64_TEXT = re.compile(rb"[A-Za-z0-9+/=\s]*")


def decode_base64(data: bytes) -> tuple[bytes, bool]:
    """Base64 content, tolerating missing padding, junk characters and concatenated blocks.

    Returns the bytes and whether the input was well-formed.
    """
    stripped = data.rstrip()
    try:
        decoded = binascii.a2b_base64(stripped)
    except (binascii.Error, ValueError):
        decoded = None
    if decoded is not None:
        # a2b_base64 stops at the first padding. What follows is either more base64
        # (blocks glued together by a careless encoder) or plain text such as a mailing
        # list footer appended to the encoded part, which must not be decoded as base64.
        first_pad = stripped.find(b"=")
        if first_pad == -1 or first_pad >= len(stripped) - 2:
            return decoded, True
        if not _B64_TEXT.fullmatch(stripped, first_pad):
            return decoded, False
    chunks = []
    for block in re.split(rb"=+", stripped):
        clean = _B64_JUNK.sub(b"", block)
        usable = len(clean) - (len(clean) % 4 == 1)
        clean = clean[:usable]
        clean += b"=" * (-len(clean) % 4)
        try:
            chunks.append(binascii.a2b_base64(clean))
        except (binascii.Error, ValueError):
            continue
    return b"".join(chunks), False


def decode_quoted_printable(data: bytes) -> bytes:
    """Quoted-printable content; malformed escapes are kept literally."""
    return binascii.a2b_qp(data)


def decode_uuencode(data: bytes) -> tuple[bytes, bool]:
    """The payload of a uuencoded body (between `begin` and `end`); returns (bytes, well-formed)."""
    lines = data.splitlines()
    start = next((i for i, line in enumerate(lines) if line.startswith(b"begin ")), None)
    if start is None:
        return data, False
    out = []
    ok = True
    for line in lines[start + 1 :]:
        if line.strip() == b"end":
            break
        if not line.strip():
            continue
        try:
            out.append(binascii.a2b_uu(line))
        except binascii.Error:
            # Some encoders pad lines with extra characters; decode only the declared length.
            length = (((line[0] - 32) & 63) * 4 + 5) // 3
            try:
                out.append(binascii.a2b_uu(line[:length]))
            except binascii.Error:
                ok = False
    else:
        ok = False
    return b"".join(out), ok


# -- encoded text in headers -------------------------------------------------------------

_PARAM = re.compile(r';\s*([^\s=;"]+)\s*=\s*("(?:[^"\\]|\\.)*"?|[^;]*)')
_QUOTED_PAIR = re.compile(r"\\(.)")
_ENCODED_WORD = re.compile(r"=\?([^?\s]*)\?([bBqQ])\?([^?]*)\?=")
_MAX_SECTIONS = 1000


def decode_words(text: str, where: str, warn: Warn) -> str:
    """`text` with RFC 2047 encoded words decoded; adjacent words are joined before decoding,
    because encoders split multi-byte characters across them."""
    if "=?" not in text:
        return text
    out: list[str] = []
    pending = bytearray()
    pending_charset = ""
    position = 0
    after_word = False

    def flush() -> None:
        nonlocal pending, pending_charset
        if pending:
            decoded, note = decode_text(bytes(pending), pending_charset, where)
            warn(note)
            out.append(decoded)
        pending = bytearray()
        pending_charset = ""

    for match in _ENCODED_WORD.finditer(text):
        gap = text[position : match.start()]
        position = match.end()
        if gap and not (after_word and gap.isspace()):
            flush()
            out.append(gap)
        charset, encoding, payload = match.group(1), match.group(2), match.group(3)
        encoded = payload.encode("utf-8", "surrogateescape")
        if encoding in "bB":
            data, ok = decode_base64(encoded)
            if not ok:
                warn(f"broken base64 encoded word in {where}")
        else:
            data = binascii.a2b_qp(encoded, header=True)
        if pending and charset.lower() != pending_charset.lower():
            flush()
        pending += data
        pending_charset = charset
        after_word = True
    flush()
    out.append(text[position:])
    return "".join(out)


def parse_params(value: str, where: str, warn: Warn) -> tuple[str, dict[str, str]]:
    """The main value (lower-cased) and parameters of a structured header such as
    Content-Type; RFC 2231 continuations and charsets are decoded, first value wins."""
    main, _sep, rest = value.partition(";")
    main = main.strip()
    if " " in main or "\t" in main:
        # "text/plain charset=utf-8": parameters written without a semicolon.
        main, _space, missing = main.replace("\t", " ").partition(" ")
        rest = missing + ";" + rest
    main = main.lower()
    raw: dict[str, str] = {}
    for match in _PARAM.finditer(";" + rest):
        name = match.group(1).lower()
        param = match.group(2).strip()
        if param.startswith('"'):
            param = _QUOTED_PAIR.sub(r"\1", param[1:-1] if param.endswith('"') and len(param) > 1 else param[1:])
        raw.setdefault(name, param)
    params = {name: param for name, param in raw.items() if "*" not in name}
    sections: dict[str, dict[int, tuple[str, bool]]] = {}
    for name, param in raw.items():
        if "*" not in name:
            continue
        base, _star, suffix = name.partition("*")
        encoded = suffix == "" or suffix.endswith("*")
        number = suffix.rstrip("*")
        if number and not number.isdigit():
            continue
        index = int(number[:6]) if number else 0
        sections.setdefault(base, {})[index] = (param, encoded)
    for base, pieces in sections.items():
        data = bytearray()
        charset: str | None = None
        for position, index in enumerate(sorted(pieces)[:_MAX_SECTIONS]):
            piece, encoded = pieces[index]
            if encoded:
                if position == 0 and piece.count("'") >= 2:  # noqa: PLR2004 - charset'language'value
                    charset, _language, piece = piece.split("'", 2)
                data += unquote_to_bytes(piece)
            else:
                data += piece.encode("utf-8", "surrogateescape")
        text, note = decode_text(bytes(data), charset, f"{base} parameter of {where}")
        warn(note)
        params[base] = text
    return main, params
