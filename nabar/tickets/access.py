"""The only permission-aware lookups of cases for logged-in users: the object or 404."""

from __future__ import annotations

from django.http import Http404

from nabar.accounts.models import Agent
from nabar.tickets.models import Attachment, Message, Ticket


def agent_for(user: object) -> Agent:
    """The agent behind a logged-in user; 404 for users who do not answer cases."""
    agent = getattr(user, "agent", None)
    if agent is None or not agent.is_active:
        raise Http404("agent")
    return agent


def get_ticket_for(user: object, number: int) -> Ticket:
    agent = agent_for(user)
    try:
        return Ticket.objects.select_related(
            "organisation", "owner__user", "requester", "team"
        ).get(organisation_id=agent.organisation_id, number=number)
    except Ticket.DoesNotExist:
        raise Http404("case") from None


def get_attachment_for(user: object, number: int, pk: int) -> Attachment:
    ticket = get_ticket_for(user, number)
    try:
        return Attachment.objects.get(pk=pk, message__ticket=ticket)
    except Attachment.DoesNotExist:
        raise Http404("attachment") from None


def get_agent_in_org(user: object, agent_id: int) -> Agent:
    agent = agent_for(user)
    try:
        return Agent.objects.select_related("user").get(
            pk=agent_id, organisation_id=agent.organisation_id, is_active=True
        )
    except Agent.DoesNotExist:
        raise Http404("agent") from None


def get_message_for(user: object, number: int, pk: int) -> Message:
    ticket = get_ticket_for(user, number)
    try:
        return Message.objects.select_related("ticket__organisation").get(pk=pk, ticket=ticket)
    except Message.DoesNotExist:
        raise Http404("message") from None


def _leads_the_case_team(agent: Agent, ticket: Ticket) -> bool:
    """Whether ``agent`` is the lead of the team the case is with: the lead its alerts go to
    (``alerts.team_leads``)."""
    from nabar.tickets.alerts import case_team

    team = case_team(ticket)
    return team is not None and team.lead_id == agent.pk


def may_override_owner(agent: Agent, ticket: Ticket) -> bool:
    """Administrators, and the lead of the team the case is with, give it to anyone without a
    hand-over; a lead of another team hands over with a note like everyone else."""
    from nabar.accounts.access import is_admin

    return is_admin(agent) or _leads_the_case_team(agent, ticket)


def may_take(agent: Agent, ticket: Ticket) -> bool:
    """Any agent of the team, and its lead, takes a case waiting in the team's queue (nobody
    owns it)."""
    from nabar.tickets.alerts import case_team

    if ticket.owner_id is not None or ticket.is_closed:
        return False
    team = case_team(ticket)
    if team is None:
        return False
    return agent.teams.filter(pk=team.pk).exists() or team.lead_id == agent.pk
