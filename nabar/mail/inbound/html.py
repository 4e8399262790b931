"""Sanitising HTML mail with nh3 and deriving plain text from it."""

from __future__ import annotations

import html as html_lib
import re

import nh3

ALLOWED_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "code", "div", "em", "h1", "h2", "h3", "h4", "hr",
    "i", "img", "li", "ol", "p", "pre", "s", "span", "strong", "sub", "sup", "table", "tbody",
    "td", "th", "thead", "tr", "u", "ul",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "width", "height"},
    "td": {"colspan", "rowspan"},
    "th": {"colspan", "rowspan"},
}
URL_SCHEMES = {"http", "https", "mailto", "cid", "tel"}
MAX_HTML_CHARS = 2_000_000


def sanitise(markup: str) -> str:
    """Safe HTML: no script, style, event handlers or javascript: links; cid: images kept."""
    return nh3.clean(
        markup[:MAX_HTML_CHARS],
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        clean_content_tags={"script", "style", "title", "head"},
        link_rel="noopener noreferrer nofollow",
    )


_DROP = re.compile(r"<(script|style|head|title)\b.*?</\1\s*>", re.IGNORECASE | re.DOTALL)
_BREAK = re.compile(r"<\s*(br|/p|/div|/tr|/h\d|/li|hr|/blockquote|/table)\b[^>]*>", re.I)
_ITEM = re.compile(r"<\s*li\b[^>]*>", re.IGNORECASE)
_TAG = re.compile(r"<[^>]*>")


def html_to_text(markup: str) -> str:
    """Readable plain text from HTML, paragraphs kept as lines."""
    text = _DROP.sub("", markup[:MAX_HTML_CHARS])
    text = _BREAK.sub("\n", text)
    text = _ITEM.sub("\n- ", text)
    text = html_lib.unescape(_TAG.sub("", text)).replace("\xa0", " ")
    lines = [" ".join(line.split()) for line in text.splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()
