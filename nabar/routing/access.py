"""Routing objects an administrator may change: the object or 404 (roles: accounts.access)."""

from __future__ import annotations

from typing import TypeVar

from django.http import Http404

from nabar.accounts.access import admin_for, lead_or_admin_for
from nabar.accounts.models import Agent, Team
from nabar.routing.models import RoutingRule, UrgencyWords

M = TypeVar("M", Agent, RoutingRule, Team, UrgencyWords)

__all__ = [
    "admin_for",
    "get_agent_for",
    "get_rule_for",
    "get_team_for",
    "get_urgency_for",
    "lead_or_admin_for",
]


def _admins_own(user: object, model: type[M], pk: int) -> M:
    """One of the administrator's organisation's objects, or 404 (also for other organisations')."""
    agent = admin_for(user)
    try:
        return model._default_manager.get(pk=pk, organisation_id=agent.organisation_id)
    except model.DoesNotExist:
        raise Http404(model._meta.model_name) from None


def get_rule_for(user: object, pk: int) -> RoutingRule:
    return _admins_own(user, RoutingRule, pk)


def get_team_for(user: object, pk: int) -> Team:
    return _admins_own(user, Team, pk)


def get_urgency_for(user: object, pk: int) -> UrgencyWords:
    return _admins_own(user, UrgencyWords, pk)


def get_agent_for(user: object, pk: int) -> Agent:
    """One of the administrator's organisation's agents, active or not."""
    return _admins_own(user, Agent, pk)
