"""Who may use the waits pages: permission checks for logged-in users."""

from __future__ import annotations

from nabar.accounts.access import is_lead_or_admin, lead_or_admin_for


def can_plan_staffing(user: object) -> bool:
    """Team leads and organisation administrators plan staffing; plain agents do not."""
    agent = getattr(user, "agent", None)
    if not getattr(user, "is_authenticated", False) or agent is None or not agent.is_active:
        return bool(getattr(user, "is_staff", False))
    return is_lead_or_admin(agent)


def require_staffing_planner(user: object) -> None:
    """404 for users who do not answer cases, 403 for agents who lead no team."""
    if getattr(user, "is_staff", False):
        return
    lead_or_admin_for(user)
