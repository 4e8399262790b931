"""Changes to agents."""

from __future__ import annotations

from nabar.accounts.models import Agent


def set_availability(agent: Agent, *, availability: str) -> Agent:
    Agent.objects.filter(pk=agent.pk).update(availability=availability)
    agent.availability = availability
    return agent
