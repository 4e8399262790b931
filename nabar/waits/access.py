"""Who may use the waits pages: permission checks for logged-in users."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import Http404


def can_plan_staffing(user: object) -> bool:
    """Team leads and organisation administrators plan staffing; plain agents do not."""
    if not getattr(user, "is_authenticated", False):
        return False
    if getattr(user, "is_staff", False):
        return True
    agent = getattr(user, "agent", None)
    return agent is not None and agent.is_active and agent.led_teams.exists()


def require_staffing_planner(user: object) -> None:
    """404 for users who do not answer cases, 403 for agents who lead no team."""
    if getattr(user, "is_staff", False):
        return
    agent = getattr(user, "agent", None)
    if agent is None or not agent.is_active:
        raise Http404("agent")
    if not agent.led_teams.exists():
        raise PermissionDenied("Only team leads and administrators plan staffing.")
