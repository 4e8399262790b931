"""Who may see and change routing: the only permission checks of this app, object or 404."""

from __future__ import annotations

from django.http import Http404

from nabar.accounts.models import Agent, Team
from nabar.routing.models import RoutingRule, UrgencyWords
from nabar.tickets.access import agent_for


def admin_for(user: object) -> Agent:
    """An administrator of the organisation (staff); everyone else gets 404."""
    agent = agent_for(user)
    if not getattr(user, "is_staff", False):
        raise Http404("admin")
    return agent


def lead_or_admin_for(user: object) -> Agent:
    """A team lead or an administrator; reports are for them."""
    agent = agent_for(user)
    if not getattr(user, "is_staff", False) and not agent.led_teams.exists():
        raise Http404("lead")
    return agent


def get_rule_for(user: object, pk: int) -> RoutingRule:
    agent = admin_for(user)
    try:
        return RoutingRule.objects.get(pk=pk, organisation_id=agent.organisation_id)
    except RoutingRule.DoesNotExist:
        raise Http404("rule") from None


def get_team_for(user: object, pk: int) -> Team:
    agent = admin_for(user)
    try:
        return Team.objects.get(pk=pk, organisation_id=agent.organisation_id)
    except Team.DoesNotExist:
        raise Http404("team") from None


def get_urgency_for(user: object, pk: int) -> UrgencyWords:
    agent = admin_for(user)
    try:
        return UrgencyWords.objects.get(pk=pk, organisation_id=agent.organisation_id)
    except UrgencyWords.DoesNotExist:
        raise Http404("urgency") from None
