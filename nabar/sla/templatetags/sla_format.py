"""Durations and shares as people read them: "3 min", "1 h 30 min", "92 %"."""

from __future__ import annotations

from datetime import date, timedelta

from django import template
from django.utils.translation import gettext as _

from nabar.lib.templatetags.nabar_time import day_words

register = template.Library()


@register.filter
def duration(value: timedelta | None) -> str:
    if value is None:
        return "—"
    seconds = int(value.total_seconds())
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, seconds = divmod(rest, 60)
    parts = []
    if days:
        parts.append(_("%(n)d d") % {"n": days})
    if hours:
        parts.append(_("%(n)d h") % {"n": hours})
    if minutes:
        parts.append(_("%(n)d min") % {"n": minutes})
    if seconds and not days:
        parts.append(_("%(n)d s") % {"n": seconds})
    return " ".join(parts) or _("%(n)d s") % {"n": 0}


@register.filter
def percent(value: float | None) -> str:
    if value is None:
        return "—"
    return f"{value * 100:.0f} %"


@register.filter
def period(value: str) -> str:
    """A report's day or ISO week as people read it: "2026-12-07" is "Mon 7 Dec 2026",
    "2026-W50" is "Week 50: 7 Dec-13 Dec 2026" (with an en dash)."""
    if "-W" in value:
        year, week = value.split("-W")
        monday = date.fromisocalendar(int(year), int(week), 1)
        sunday = date.fromisocalendar(int(year), int(week), 7)
        return _("Week %(week)d: %(first)s–%(last)s") % {
            "week": int(week),
            "first": day_words(monday, "j M"),
            "last": day_words(sunday, "j M Y"),
        }
    return day_words(date.fromisoformat(value), "D j M Y")
