"""Times said the way people say them: "14:00 today", "i morgon kl. 10:00"."""

from __future__ import annotations

from datetime import datetime, timedelta

from django import template
from django.utils import timezone, translation
from django.utils.dateformat import format as date_format
from django.utils.translation import gettext as _

register = template.Library()


@register.filter
def when(value: datetime | None) -> str:
    if value is None:
        return ""
    local = timezone.localtime(value)
    today = timezone.localdate()
    clock = date_format(local, "H:i")
    if local.date() == today:
        return _("%(time)s today") % {"time": clock}
    if local.date() == today + timedelta(days=1):
        return _("%(time)s tomorrow") % {"time": clock}
    day = date_format(local, "l j F")
    if (translation.get_language() or "").startswith("sv"):
        day = day.lower()  # Swedish weekdays and months are written in lower case
    return _("%(time)s on %(day)s") % {"day": day, "time": clock}
