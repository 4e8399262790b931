"""What the page frame shows about the person reading it."""

from __future__ import annotations

from typing import Any

from django import template

register = template.Library()


@register.simple_tag(takes_context=True)
def unread_alerts(context: dict[str, Any]) -> int:
    """How many alerts wait for the agent reading the page; 0 for anyone else."""
    from nabar.tickets.models import Alert

    request = context.get("request")
    user = getattr(request, "user", None)
    agent = getattr(user, "agent", None) if user is not None and user.is_authenticated else None
    if agent is None:
        return 0
    return Alert.objects.unread_for(agent).count()
