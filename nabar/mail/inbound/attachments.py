"""Attachments: safe decoded names, inline cid images, TNEF winmail.dat unpacked."""

from __future__ import annotations

import mimetypes
import re
import unicodedata
from dataclasses import dataclass

MAX_FILENAME_CHARS = 150
TNEF_NAMES = {"winmail.dat", "win.dat"}
_UNSAFE = re.compile(r"[\x00-\x1f\x7f/\\:*?\"<>|]+")


@dataclass(frozen=True)
class ParsedAttachment:
    """One attached file as the customer sent it."""

    filename: str
    content_type: str
    data: bytes
    content_id: str | None = None
    inline: bool = False


def safe_filename(name: str, *, content_type: str = "application/octet-stream") -> str:
    """A file name safe to store and offer for download: no paths, controls or dot-names."""
    name = unicodedata.normalize("NFC", name).replace("\\", "/").rsplit("/", 1)[-1]
    name = _UNSAFE.sub("_", name).strip(" .")
    if len(name) > MAX_FILENAME_CHARS:
        stem, dot, ext = name.rpartition(".")
        keep = ext[:20] if dot else ""
        name = (stem if dot else name)[: MAX_FILENAME_CHARS - len(keep) - 1] + (
            "." + keep if keep else ""
        )
    if not name:
        name = "attachment" + (mimetypes.guess_extension(content_type) or ".bin")
    return name


def is_tnef(filename: str, content_type: str) -> bool:
    """Whether a part is a Microsoft TNEF container (winmail.dat)."""
    return content_type == "application/ms-tnef" or filename.lower() in TNEF_NAMES


def unpack_tnef(data: bytes) -> tuple[list[ParsedAttachment], list[str]]:
    """The real attachments inside a TNEF container, and notes on what failed."""
    try:
        from tnefparse import TNEF

        tnef = TNEF(data)
        files = []
        for item in tnef.attachments:
            raw_name = item.long_filename() or item.name or ""
            if isinstance(raw_name, bytes):
                raw_name = raw_name.decode("utf-8", "replace")
            content_type = mimetypes.guess_type(str(raw_name))[0] or "application/octet-stream"
            files.append(
                ParsedAttachment(
                    filename=safe_filename(str(raw_name), content_type=content_type),
                    content_type=content_type,
                    data=bytes(item.data or b""),
                )
            )
    except Exception as error:
        return [], [f"winmail.dat could not be unpacked ({type(error).__name__}): kept as is"]
    return files, []
