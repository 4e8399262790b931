"""The only permission-aware lookups of customers for logged-in agents: the object or 404."""

from __future__ import annotations

from django.http import Http404

from nabar.customers.models import Customer
from nabar.tickets.access import agent_for


def get_customer_for(user: object, pk: int) -> Customer:
    agent = agent_for(user)
    try:
        return Customer.objects.get(pk=pk, organisation_id=agent.organisation_id)
    except Customer.DoesNotExist:
        raise Http404("customer") from None
