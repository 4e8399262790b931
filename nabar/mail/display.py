"""The original HTML of a received mail, safe to show to an agent, with its inline images.

The stored HTML was sanitised when the mail arrived; it is cleaned again here (a later, stricter
rule applies to old mail too). ``cid:`` images point at the stored attachment, served only
through the same access check as every attachment; remote images are never loaded, so a
tracking pixel cannot tell the sender that, when or from where an agent read the mail.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping

import nh3
from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe

from nabar.mail.inbound.html import ALLOWED_ATTRIBUTES, ALLOWED_TAGS, MAX_HTML_CHARS
from nabar.mail.models import InboundEmail
from nabar.tickets.models import Message, Ticket

# Images shown inline; anything else (SVG above all) is offered only as a download.
INLINE_IMAGE_TYPES = {"image/png", "image/jpeg", "image/gif", "image/webp"}


def safe_original(markup: str, *, image_url: Callable[[str], str | None]) -> SafeString:
    """Sanitised HTML with ``cid:`` images rewritten by ``image_url``; other images dropped."""

    def rewrite(tag: str, attribute: str, value: str) -> str | None:
        if tag == "img" and attribute == "src":
            if value.lower().startswith("cid:"):
                return image_url(value[4:].strip("<>"))
            return None
        return value

    cleaned = nh3.clean(
        markup[:MAX_HTML_CHARS],
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto", "tel", "cid"},
        clean_content_tags={"script", "style", "title", "head"},
        link_rel="noopener noreferrer nofollow",
        attribute_filter=rewrite,
    )
    return mark_safe(cleaned)


def originals_for(ticket: Ticket, message_ids: Iterable[int]) -> dict[int, SafeString]:
    """The displayable original HTML of each received message of the case that had one."""
    rows = InboundEmail.objects.filter(ticket=ticket, message_id__in=list(message_ids)).exclude(
        html=""
    )
    originals = {}
    for message_id, markup, images in rows.values_list("message_id", "html", "inline_images"):
        originals[message_id] = safe_original(
            markup, image_url=_image_urls(ticket.number, images or {})
        )
    return originals


def _image_urls(number: int, images: Mapping[str, int]) -> Callable[[str], str | None]:
    def url(content_id: str) -> str | None:
        pk = images.get(content_id)
        if pk is None:
            return None
        return reverse("mail:inline_image", kwargs={"number": number, "pk": pk})

    return url


def attach_originals(thread: list[Message], ticket: Ticket) -> list[Message]:
    """Give each message of the thread its ``original_html`` ("" when it had none)."""
    received = [m.pk for m in thread if m.direction == "in" and m.channel == "email"]
    originals = originals_for(ticket, received) if received else {}
    for message in thread:
        setattr(message, "original_html", originals.get(message.pk, ""))  # noqa: B010
    return thread
