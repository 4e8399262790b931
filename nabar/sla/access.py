"""Who may see and change service levels: the object or 404, the page or 403."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import Http404

from nabar.accounts.models import Agent, Team
from nabar.sla.models import Holiday
from nabar.tickets.access import agent_for


def is_admin(agent: Agent) -> bool:
    """Organisation administrators are the staff users among its agents."""
    return bool(agent.user.is_staff)


def is_lead(agent: Agent) -> bool:
    return Team.objects.filter(organisation_id=agent.organisation_id, lead=agent).exists()


def viewer(user: object) -> Agent:
    """Any agent may read the targets they work to."""
    return agent_for(user)


def admin(user: object) -> Agent:
    """An organisation administrator, or 403 for other agents."""
    agent = agent_for(user)
    if not is_admin(agent):
        raise PermissionDenied("only organisation administrators change service levels")
    return agent


def lead_or_admin(user: object) -> Agent:
    """A team lead or an administrator, or 403: the compliance report is for them."""
    agent = agent_for(user)
    if not (is_admin(agent) or is_lead(agent)):
        raise PermissionDenied("only team leads and administrators see the compliance report")
    return agent


def get_holiday_for(user: object, pk: int) -> Holiday:
    agent = admin(user)
    try:
        return Holiday.objects.get(pk=pk, organisation_id=agent.organisation_id)
    except Holiday.DoesNotExist:
        raise Http404("holiday") from None
