"""Roles, checked in one place: organisation administrators and team leads.

An administrator is a staff user among the organisation's agents; a team lead is the lead of
one of its teams. A user who answers no cases gets 404; an agent without the role gets 403.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied

from nabar.accounts.models import Agent
from nabar.tickets.access import agent_for


def is_admin(agent: Agent) -> bool:
    return bool(agent.user.is_staff)


def leads_a_team(agent: Agent) -> bool:
    return agent.led_teams.exists()


def is_lead_or_admin(agent: Agent) -> bool:
    return is_admin(agent) or leads_a_team(agent)


def admin_for(user: object) -> Agent:
    """The administrator behind ``user``; 403 for other agents."""
    agent = agent_for(user)
    if not is_admin(agent):
        raise PermissionDenied("only organisation administrators")
    return agent


def lead_or_admin_for(user: object) -> Agent:
    """A team lead or an administrator; 403 for other agents."""
    agent = agent_for(user)
    if not is_lead_or_admin(agent):
        raise PermissionDenied("only team leads and administrators")
    return agent
