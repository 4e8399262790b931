"""Times said the way people say them: "14:00 today", "i morgon kl. 10:00"."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from functools import lru_cache

from django import template
from django.utils import timezone, translation
from django.utils.dateformat import format as date_format
from django.utils.formats import get_format, number_format
from django.utils.translation import gettext as _

register = template.Library()


@register.filter
def when(value: datetime | None) -> str:
    if value is None:
        return ""
    local = timezone.localtime(value)
    today = timezone.localdate()
    clock = f"{local.hour:02}:{local.minute:02}"  # "H:i"
    if local.date() == today:
        return _("%(time)s today") % {"time": clock}
    if local.date() == today + timedelta(days=1):
        return _("%(time)s tomorrow") % {"time": clock}
    day = day_words(local.date(), "l j F")
    return _("%(time)s on %(day)s") % {"day": day, "time": clock}


@register.filter
def moment(value: str) -> str:
    """A time stored as ISO text ("2026-12-07T09:00:00+00:00") as "7 Dec 10:00" in the reader's
    language and the local time zone; text that is not a time is shown as it is."""
    try:
        parsed = datetime.fromisoformat(value)
    except (TypeError, ValueError):
        return value or ""
    if timezone.is_naive(parsed):
        return value
    return date_format(timezone.localtime(parsed), get_format("SHORT_DATETIME_FORMAT"))


@register.filter
def has_passed(value: datetime | None) -> bool:
    """Whether a time said to someone is now in the past."""
    return value is not None and value <= timezone.now()


@register.filter
def hours(value: float | None) -> str:
    """A span in hours as people say it: "12 min" under an hour, "2.5 h" above."""
    if value is None:
        return ""
    if value < 1:
        return _("%(n)s min") % {"n": number_format(value * 60, 0)}
    return _("%(n)s h") % {"n": number_format(value, 1)}


@register.filter
def day(value: date | None, fmt: str = "j F Y") -> str:
    """A day as people write it: "7 December 2026", "7 december 2026" (never 2026-12-07)."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = timezone.localtime(value).date()
    return day_words(value, fmt)


def day_words(day: date, fmt: str) -> str:
    """A day in the active language: "l j F" gives "Monday 7 December", "måndag 7 december"."""
    return _day(day, fmt, translation.get_language() or "")


@lru_cache(maxsize=256)
def _day(day: date, fmt: str, language: str) -> str:
    """``day_words`` in ``language``, the active language (formatting it is slow)."""
    words = date_format(day, fmt)
    if language.startswith("sv"):
        words = words.lower()  # Swedish weekdays and months are written in lower case
    return words
