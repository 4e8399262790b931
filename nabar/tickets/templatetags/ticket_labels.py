"""``{{ code|status_label }}``: a status stored as a code ("closed"), named in the reader's language."""

from __future__ import annotations

from django import template

from nabar.tickets.models import Ticket

register = template.Library()


@register.filter
def status_label(code: str) -> str:
    labels = dict(Ticket.Status.choices)
    return str(labels.get(code, code))
