"""Linking an address a customer wrote from to an existing customer, or merging the two."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib import messages as flash
from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from nabar.customers import access as customer_access
from nabar.customers.actions import (
    CustomerLinkError,
    link_address,
    merge_customers,
    normalise_email,
)
from nabar.customers.forms import CustomerSearchForm, LinkAddressForm
from nabar.customers.models import ContactPoint, Customer
from nabar.mail.models import InboundEmail
from nabar.tickets import access
from nabar.tickets.models import Channel, Message, Ticket

SEARCH_LIMIT = 20


@dataclass(frozen=True)
class CaseAddress:
    """An address the case's customer wrote from, and whom it belongs to now."""

    address: str
    customer: Customer | None
    is_requester: bool


def case_addresses(ticket: Ticket, *, thread: list[Message] | None = None) -> list[CaseAddress]:
    """The addresses this case's mail came from, and the customer's own e-mail addresses.

    Given the thread already loaded, a case that never received an e-mail costs no query.
    """
    if thread is not None and not any(
        m.direction == Message.Direction.INBOUND and m.channel == Channel.EMAIL for m in thread
    ):
        return []
    sent_from = set(
        InboundEmail.objects.filter(ticket=ticket)
        .exclude(from_address="")
        .values_list("from_address", flat=True)
    )
    points = {
        p.value: p
        for p in ContactPoint.objects.filter(
            Q(value__in=sent_from) | Q(customer_id=ticket.requester_id),
            organisation_id=ticket.organisation_id,
            kind=ContactPoint.Kind.EMAIL,
        ).select_related("customer")
    }
    addresses = sorted(sent_from | set(points))
    result = []
    for address in addresses:
        point = points.get(address)
        customer = point.customer if point else None
        result.append(
            CaseAddress(
                address=address,
                customer=customer,
                is_requester=customer is not None and customer.pk == ticket.requester_id,
            )
        )
    return result


def _search(organisation_id: int, query: str, *, exclude: int | None) -> list[Customer]:
    query = query.strip()
    if not query:
        return []
    found = Customer.objects.filter(organisation_id=organisation_id).filter(
        Q(name__icontains=query) | Q(contact_points__value__icontains=query)
    )
    if exclude is not None:
        found = found.exclude(pk=exclude)
    found = found.distinct().order_by("name", "pk").prefetch_related("contact_points")
    return list(found[:SEARCH_LIMIT])


def _page(
    request: HttpRequest,
    ticket: Ticket,
    address: str,
    *,
    status: int = 200,
    error: str = "",
) -> HttpResponse:
    entries = {entry.address: entry for entry in case_addresses(ticket)}
    entry = entries.get(address)
    form = CustomerSearchForm(request.GET or None)
    query = form.cleaned_data.get("q", "") if form.is_valid() else ""
    owner = entry.customer if entry else None
    context = {
        "ticket": ticket,
        "address": address,
        "owner": owner,
        "form": form,
        "query": query,
        "results": _search(ticket.organisation_id, query, exclude=owner.pk if owner else None),
        "error": error,
    }
    return render(request, "customers/link.html", context, status=status)


def _case_address(request: HttpRequest, ticket: Ticket, address: str) -> str | None:
    value = normalise_email(address)
    known = {entry.address for entry in case_addresses(ticket)}
    return value if value in known else None


@login_required
def link(request: HttpRequest, number: int) -> HttpResponse:
    ticket = access.get_ticket_for(request.user, number)
    address = _case_address(request, ticket, request.GET.get("address", ""))
    if address is None:
        flash.error(request, _("That address did not write on this case."))
        return redirect(ticket)
    return _page(request, ticket, address)


@require_POST
@login_required
def link_submit(request: HttpRequest, number: int) -> HttpResponse:
    ticket = access.get_ticket_for(request.user, number)
    agent = access.agent_for(request.user)
    form = LinkAddressForm(request.POST)
    if not form.is_valid():
        return redirect(ticket)
    address = _case_address(request, ticket, form.cleaned_data["address"])
    if address is None:
        flash.error(request, _("That address did not write on this case."))
        return redirect(ticket)
    customer = customer_access.get_customer_for(request.user, form.cleaned_data["customer"])
    owner = next((e.customer for e in case_addresses(ticket) if e.address == address), None)
    try:
        if form.cleaned_data["how"] == LinkAddressForm.MERGE:
            if owner is None or owner.pk == customer.pk:
                return _page(
                    request,
                    ticket,
                    address,
                    status=422,
                    error=_("There is nobody to merge: the address belongs to no other customer."),
                )
            merge_customers(owner, into=customer, agent=agent, ticket=ticket)
            flash.success(
                request,
                _("%(old)s and %(new)s are now one customer.")
                % {"old": str(owner), "new": str(customer)},
            )
        else:
            link_address(ticket, address=address, customer=customer, agent=agent)
            flash.success(
                request,
                _("%(address)s now belongs to %(name)s.")
                % {"address": address, "name": str(customer)},
            )
    except CustomerLinkError:
        return _page(
            request,
            ticket,
            address,
            status=422,
            error=_("This customer cannot be linked here."),
        )
    return redirect(ticket)
