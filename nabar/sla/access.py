"""Who may see and change service levels: the object or 404, the page or 403."""

from __future__ import annotations

from django.http import Http404

from nabar.accounts.access import admin_for, is_admin, is_lead_or_admin, lead_or_admin_for
from nabar.accounts.models import Agent
from nabar.sla.models import Holiday
from nabar.tickets.access import agent_for


def viewer(user: object) -> Agent:
    """Any agent may read the targets they work to."""
    return agent_for(user)


admin = admin_for
lead_or_admin = lead_or_admin_for
__all__ = ["admin", "get_holiday_for", "is_admin", "is_lead_or_admin", "lead_or_admin", "viewer"]


def get_holiday_for(user: object, pk: int) -> Holiday:
    agent = admin(user)
    try:
        return Holiday.objects.get(pk=pk, organisation_id=agent.organisation_id)
    except Holiday.DoesNotExist:
        raise Http404("holiday") from None
