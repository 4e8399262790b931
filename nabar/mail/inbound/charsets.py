"""Decoding bytes and header words robustly: wrong, unknown or missing charset labels."""

from __future__ import annotations

import codecs
import re
from email.header import Header, decode_header

MAX_HEADER_CHARS = 8_000
MAX_ENCODED_WORDS = 200

_ALIASES = {
    "uft-8": "utf-8",
    "utf8": "utf-8",
    "unicode-1-1-utf-7": "utf-7",
    "x-unknown": "",
    "unknown-8bit": "",
    "unknown": "",
    "default": "",
    "us-ascii": "",
    "ascii": "",
    "iso-8859-1": "cp1252",
    "latin1": "cp1252",
    "latin-1": "cp1252",
    "windows-1252": "cp1252",
    "ks_c_5601-1987": "cp949",
    "gb2312": "gb18030",
    "gbk": "gb18030",
}
_WIDER = {
    "iso2022_jp": ("iso2022_jp_2", "iso2022_jp_ext", "cp932"),
    "euc_jp": ("cp932",),
    "shift_jis": ("cp932",),
    "gb18030": ("big5",),
}
_ENCODED_WORD = re.compile(r"=\?[^?\s]{1,40}\?[bBqQ]\?[^?\s]*\?=")


def _codec(label: str | None) -> str:
    """A usable codec name for a charset label, or "" when the label says nothing useful."""
    name = (label or "").strip().strip("\"'").lower()
    name = _ALIASES.get(name, name)
    if not name:
        return ""
    try:
        return codecs.lookup(name).name
    except LookupError:
        return ""


def decode_bytes(data: bytes, charset: str | None = None) -> tuple[str, list[str]]:
    """Decode payload bytes: the label if it works, else UTF-8, else Windows-1252; NULs removed."""
    defects: list[str] = []
    if b"\x00" in data:
        data = data.replace(b"\x00", b"")
        defects.append("NUL bytes removed")
    codec = _codec(charset)
    if charset and not codec and _ALIASES.get(charset.strip().lower()) is None:
        defects.append(f"unknown charset {charset[:40]!r}: guessed")
    if codec and codec not in {"utf-8", "cp1252"}:
        for candidate in (codec, *_WIDER.get(codec, ())):
            try:
                return data.decode(candidate), defects
            except (UnicodeDecodeError, LookupError, ValueError):
                continue
        defects.append(f"text not valid {charset!s:.40}: guessed")
    try:
        return data.decode("utf-8"), defects
    except UnicodeDecodeError:
        pass
    if codec == "utf-8":
        defects.append("text labelled UTF-8 is not: read as Windows-1252")
    return data.decode("cp1252", errors="replace"), defects


def decode_header_value(value: object) -> tuple[str, list[str]]:
    """A header as text: RFC 2047 words decoded (at most a bounded number), raw 8-bit guessed."""
    defects: list[str] = []
    if value is None:
        return "", defects
    if isinstance(value, Header):
        raw = _header_bytes(value)
    elif isinstance(value, bytes):
        raw = value
    else:
        text = str(value)
        try:
            raw = text.encode("utf-8", "surrogateescape")
        except UnicodeEncodeError:
            raw = text.encode("utf-8", "replace")
    if len(raw) > MAX_HEADER_CHARS * 4:
        raw = raw[: MAX_HEADER_CHARS * 4]
        defects.append("over-long header cut")
    text, more = decode_bytes(raw)
    defects.extend(more)
    words = list(_ENCODED_WORD.finditer(text))
    if len(words) > MAX_ENCODED_WORDS:
        text = text[: words[MAX_ENCODED_WORDS].start()]
        defects.append(f"header with {len(words)} encoded words cut to {MAX_ENCODED_WORDS}")
    if words:
        text = _decode_words(text, defects)
    text = " ".join(text.replace("\x00", "").split())
    return text[:MAX_HEADER_CHARS], defects


def _decode_words(text: str, defects: list[str]) -> str:
    try:
        pieces = decode_header(text)
    except Exception:
        defects.append("malformed encoded words kept as they were")
        return text
    out: list[str] = []
    for piece, label in pieces:
        if isinstance(piece, str):
            out.append(piece)
        else:
            decoded, more = decode_bytes(piece, label)
            defects.extend(more)
            out.append(decoded)
    return "".join(out)


def _header_bytes(value: Header) -> bytes:
    """The raw bytes behind a header the email package could not decode (8-bit, no label)."""
    out: list[bytes] = []
    for piece, _label in decode_header(value):
        out.append(piece if isinstance(piece, bytes) else piece.encode("utf-8", "surrogateescape"))
    return b"".join(out)
