"""``{{ code|status_label }}``, ``{{ code|priority_label }}``: a status or priority stored as a
code ("closed", "urgent"), named in the reader's language."""

from __future__ import annotations

from django import template

from nabar.tickets.models import Ticket

register = template.Library()


@register.filter
def status_label(code: str) -> str:
    labels = dict(Ticket.Status.choices)
    return str(labels.get(code, code))


@register.filter
def priority_label(code: str) -> str:
    labels = dict(Ticket.Priority.choices)
    return str(labels.get(code, code))
