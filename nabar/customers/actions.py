"""Finding and creating customers by the addresses they write from; linking and merging them."""

from __future__ import annotations

import functools
import re

from django.db import IntegrityError, transaction

from nabar.accounts.models import Agent, Organisation
from nabar.customers.models import ContactPoint, Customer
from nabar.lib import batch
from nabar.tickets.models import Message, Ticket, TicketEvent


def normalise_email(value: str) -> str:
    return value.strip().lower()


def normalise_phone(value: str) -> str:
    """Digits only, a leading + kept: "070-123 45 67" and "0701234567" are the same number."""
    value = value.strip()
    digits = re.sub(r"\D", "", value)
    return ("+" + digits) if value.startswith("+") else digits


def find_or_create_customer(
    organisation: Organisation, *, name: str, email: str = "", phone: str = "", language: str = ""
) -> Customer:
    """The customer who owns the e-mail address (or, without one, the phone number), or a new
    one; the other address given is linked to them when no other customer has it.

    Only the e-mail address identifies a writer who gives one: the receipt and every answer go
    there, so whoever types someone else's address reaches only that person. A phone number
    typed into a form proves nothing, so it never joins a writer to the customer who owns it
    when they gave an e-mail address too; that customer's addresses and cases stay theirs.
    """
    points = []
    if email:
        points.append((ContactPoint.Kind.EMAIL, normalise_email(email)))
    if phone:
        points.append((ContactPoint.Kind.PHONE, normalise_phone(phone)))
    customer = None
    matched = None
    if points:
        kind, value = points[0]
        customer = batch.remember(
            ("contact", organisation.pk, kind, value),
            functools.partial(_owner_of, organisation, kind, value),
        )
        if customer is not None:
            matched = (kind, value)
    if customer is None:
        customer = batch.create_keyed(
            Customer(organisation=organisation, name=name, language=language)
        )
        batch.know(("previous-owner", customer.pk), None)  # a new customer has no cases yet
    elif name and not customer.name:
        customer.name = name
        batch.update(customer, ["name"])
    for position, (kind, value) in enumerate(points):
        if (kind, value) == matched:
            continue
        if position > 0 and batch.remember(
            ("contact", organisation.pk, kind, value),
            functools.partial(_owner_of, organisation, kind, value),
        ):
            continue  # another customer's (or already theirs): it stays where it is
        try:
            if matched is None and batch.current() is not None:
                # A new customer in a batch, whose addresses the batch looked up: nobody has
                # them (a race with another writer fails the batch, which then goes one by one),
                # and the batch answers later lookups of them from memory.
                batch.create(
                    ContactPoint(
                        organisation=organisation, kind=kind, value=value, customer=customer
                    )
                )
                created = True
            else:
                with transaction.atomic():
                    _point, created = ContactPoint.objects.get_or_create(
                        organisation=organisation,
                        kind=kind,
                        value=value,
                        defaults={"customer": customer},
                    )
        except IntegrityError:
            continue
        if created:
            batch.know(("contact", organisation.pk, kind, value), customer)
    return customer


def _owner_of(organisation: Organisation, kind: str, value: str) -> Customer | None:
    point = (
        ContactPoint.objects.filter(organisation=organisation, kind=kind, value=value)
        .select_related("customer")
        .first()
    )
    return point.customer if point is not None else None


def prefetch_by_email(organisation: Organisation, addresses: set[str]) -> list[Customer]:
    """Look up the customers of many addresses in one query, for the batch being processed."""
    values = {normalise_email(a) for a in addresses if a}
    found = {
        point.value: point.customer
        for point in ContactPoint.objects.filter(
            organisation=organisation, kind=ContactPoint.Kind.EMAIL, value__in=values
        ).select_related("customer")
    }
    for value in values:
        batch.know(("contact", organisation.pk, ContactPoint.Kind.EMAIL, value), found.get(value))
    return list({c.pk: c for c in found.values()}.values())


class CustomerLinkError(ValueError):
    """A link or merge that would mix organisations or join a customer to itself."""


def _case_event(ticket: Ticket, kind: str, *, agent: Agent, **data: object) -> None:
    TicketEvent.objects.create(
        ticket=ticket, kind=kind, actor_agent=agent, actor_label=agent.name, data=data
    )


def _move_cases(source: Customer, into: Customer, *, tickets: list[int]) -> None:
    Ticket.objects.filter(pk__in=tickets, requester=source).update(requester=into)
    Message.objects.filter(ticket_id__in=tickets, author_customer=source).update(
        author_customer=into
    )


def _drop_if_empty(customer: Customer) -> bool:
    """A customer left with no address and no case was only a placeholder: remove it."""
    if customer.contact_points.exists() or Ticket.objects.filter(requester=customer).exists():
        return False
    customer.delete()
    return True


def link_address(ticket: Ticket, *, address: str, customer: Customer, agent: Agent) -> ContactPoint:
    """The address the customer wrote from belongs to ``customer``: link it, and the case too.

    If the case was opened in the name of a customer made just for this address, the case
    moves to ``customer`` and that placeholder disappears once it holds nothing else.
    """
    organisation_id = ticket.organisation_id
    if customer.organisation_id != organisation_id or agent.organisation_id != organisation_id:
        raise CustomerLinkError("customer, case and agent must be of one organisation")
    value = normalise_email(address)
    with transaction.atomic():
        point = (
            ContactPoint.objects.select_for_update()
            .select_related("customer")
            .filter(organisation_id=organisation_id, kind=ContactPoint.Kind.EMAIL, value=value)
            .first()
        )
        previous = point.customer if point is not None else None
        if point is None:
            point = ContactPoint.objects.create(
                organisation_id=organisation_id,
                customer=customer,
                kind=ContactPoint.Kind.EMAIL,
                value=value,
            )
        elif previous != customer:
            point.customer = customer
            point.save(update_fields=["customer"])
        moved_case = previous is not None and ticket.requester_id == previous.pk
        if moved_case and previous is not None:
            _move_cases(previous, customer, tickets=[ticket.pk])
        _case_event(
            ticket,
            TicketEvent.Kind.ADDRESS_LINKED,
            agent=agent,
            address=value,
            customer=str(customer),
            customer_id=customer.pk,
            previous=str(previous) if previous and previous != customer else "",
            case_moved=moved_case,
        )
        if previous is not None and previous != customer:
            _drop_if_empty(previous)
    return point


def merge_customers(source: Customer, *, into: Customer, agent: Agent, ticket: Ticket) -> Customer:
    """One person known twice: every address and case of ``source`` moves to ``into``."""
    if source.pk == into.pk:
        raise CustomerLinkError("a customer cannot be merged into itself")
    if not (source.organisation_id == into.organisation_id == agent.organisation_id):
        raise CustomerLinkError("customers and agent must be of one organisation")
    with transaction.atomic():
        source = Customer.objects.select_for_update().get(pk=source.pk)
        moved = list(Ticket.objects.filter(requester=source).values_list("pk", flat=True))
        addresses = list(source.contact_points.values_list("value", flat=True))
        source.contact_points.update(customer=into)
        _move_cases(source, into, tickets=moved)
        if not into.name and source.name:
            into.name = source.name
        if not into.language and source.language:
            into.language = source.language
        into.save(update_fields=["name", "language", "updated_at"])
        for ticket_id in sorted({*moved, ticket.pk}):
            TicketEvent.objects.create(
                ticket_id=ticket_id,
                kind=TicketEvent.Kind.CUSTOMERS_MERGED,
                actor_agent=agent,
                actor_label=agent.name,
                data={
                    "merged": str(source),
                    "into": str(into),
                    "customer_id": into.pk,
                    "addresses": addresses,
                },
            )
        source.delete()
    return into
