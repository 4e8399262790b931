"""Who may use the waits pages: permission checks for logged-in users."""

from __future__ import annotations

from nabar.accounts.access import lead_or_admin_for


def require_staffing_planner(user: object) -> None:
    """Team leads and organisation administrators plan staffing: 404 for users who answer no
    cases (a staff user who is no agent, a deactivated agent), 403 for agents who lead no team."""
    lead_or_admin_for(user)
