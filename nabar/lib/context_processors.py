"""What the page frame needs on every agent page, asked at most once per page."""

from __future__ import annotations

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from nabar.accounts.access import is_lead_or_admin


def _leads_or_admin(request: HttpRequest) -> bool:
    user = request.user
    if not user.is_authenticated:
        return False
    if user.is_staff:
        return True
    agent = getattr(user, "agent", None)
    return agent is not None and is_lead_or_admin(agent)


def frame(request: HttpRequest) -> dict[str, object]:
    """``leads_or_admin``: whether the menu shows the pages for team leads and administrators."""
    return {"leads_or_admin": SimpleLazyObject(lambda: _leads_or_admin(request))}
