"""``{{ code|mail_reason }}``: why a received mail was flagged or left unanswered, in the reader's
language ("Autosvar eller frånvaromeddelande" for ``auto_reply``)."""

from __future__ import annotations

from django import template

from nabar.mail.models import InboundEmail

register = template.Library()


@register.filter
def mail_reason(code: str) -> str:
    labels = dict(InboundEmail.Reason.choices)
    return str(labels.get(code, labels[InboundEmail.Reason.AUTO_GENERATED]))
