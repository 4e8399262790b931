"""Routing objects an administrator may change: the object or 404 (roles: accounts.access)."""

from __future__ import annotations

from django.http import Http404

from nabar.accounts.access import admin_for, lead_or_admin_for
from nabar.accounts.models import Team
from nabar.routing.models import RoutingRule, UrgencyWords

__all__ = ["admin_for", "get_rule_for", "get_team_for", "get_urgency_for", "lead_or_admin_for"]


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
