"""The only lookups of cases by their private link."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.http import Http404
from django.utils import timezone

from nabar.accounts.models import Organisation
from nabar.tickets.models import Ticket


class CaseLinkExpired(Exception):
    def __init__(self, ticket: Ticket) -> None:
        super().__init__(ticket.reference)
        self.ticket = ticket


def get_organisation(slug: str) -> Organisation:
    try:
        return Organisation.objects.select_related("default_team").get(slug=slug)
    except Organisation.DoesNotExist:
        raise Http404("organisation") from None


def get_case_by_token(organisation: Organisation, token: str) -> Ticket:
    """The case behind a private link, or 404; CaseLinkExpired long after the case closed.

    A case merged into another never expires here: it was closed by the merge, not because
    the customer's matter ended, and its link leads to the case it continues in.
    """
    if not token or len(token) > 64:
        raise Http404("case")
    try:
        ticket = Ticket.objects.select_related("owner__user", "requester", "organisation").get(
            organisation=organisation, public_token=token
        )
    except Ticket.DoesNotExist:
        raise Http404("case") from None
    expired_before = timezone.now() - timedelta(days=settings.NABAR_CASE_LINK_DAYS)
    if ticket.merged_into_id is None and ticket.closed_at and ticket.closed_at < expired_before:
        raise CaseLinkExpired(ticket)
    return ticket
