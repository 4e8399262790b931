"""Agent pages: the inbox and the case page. Parse, check access, call one action, render."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib import messages as flash
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import F, Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from nabar.accounts.models import Agent, Organisation, Team
from nabar.contact.views import serve_attachment
from nabar.customers.actions import normalise_email
from nabar.customers.models import ContactPoint, Customer
from nabar.customers.views import case_addresses
from nabar.mail import delivery, display
from nabar.mail.models import InboundEmail
from nabar.routing.language import language_name
from nabar.tickets import access, actions
from nabar.tickets.forms import (
    CASE_NUMBER_RE,
    CategoryForm,
    LanguageForm,
    MergeForm,
    NoteForm,
    OwnerForm,
    PriorityForm,
    ReplyForm,
    SearchForm,
    StatusForm,
    TransferForm,
    availability_words,
    short_date,
)
from nabar.tickets.models import Alert, Channel, Message, Ticket, TicketEvent

INBOX_PAGE_SIZE = 50
# The columns the inbox shows; loading only these keeps a page of 50 cases cheap.
INBOX_COLUMNS = ("number", "subject", "status", "due_at", "requester_id", "owner_id")


def _search(queryset: QuerySet[Ticket], query: str) -> QuerySet[Ticket]:
    query = query.strip()
    match = CASE_NUMBER_RE.match(query)
    if match:
        return queryset.filter(number=int(match.group(1)))
    return queryset.filter(
        Q(subject__icontains=query)
        | Q(requester__name__icontains=query)
        | Q(requester__contact_points__value__icontains=query)
        # Only what people wrote: every automatic receipt says "automatically" and names the
        # owner, so searching "Tom" or "Alice" would otherwise find nearly every case.
        | Q(messages__body__icontains=query, messages__written_by=Message.WrittenBy.PERSON)
    ).distinct()


@dataclass(frozen=True)
class InboxRow:
    url: str
    reference: str
    subject: str
    customer: str
    owner: str
    status: str
    due_iso: str
    due_text: str


def inbox_rows(cases: list[dict[str, Any]], *, organisation: Organisation) -> list[InboxRow]:
    """What the inbox shows of each case, prepared once: a page of 50 renders in a few ms.

    Names are fetched by id for just these cases, instead of joined into the sorted query: a
    join lets PostgreSQL choose to read every customer before sorting.
    """
    customers = dict(
        Customer.objects.filter(pk__in={c["requester_id"] for c in cases}).values_list("pk", "name")
    )
    owner_ids = {c["owner_id"] for c in cases if c["owner_id"]}
    owners = {a.pk: a.name for a in Agent.objects.filter(pk__in=owner_ids).select_related("user")}
    detail_prefix = reverse("tickets:detail", kwargs={"number": 0})[:-2]
    statuses = dict(Ticket.Status.choices)
    rows = []
    for case in cases:
        due = timezone.localtime(case["due_at"]) if case["due_at"] else None
        rows.append(
            InboxRow(
                url=f"{detail_prefix}{case['number']}/",
                reference=f"{organisation.case_prefix}-{case['number']}",
                subject=case["subject"],
                customer=customers.get(case["requester_id"], ""),
                owner=owners.get(case["owner_id"], ""),
                status=str(statuses.get(case["status"], case["status"])),
                due_iso=due.isoformat() if due else "",
                due_text=f"{short_date(due.date())} {due:%H:%M}" if due else "",
            )
        )
    return rows


@login_required
def inbox(request: HttpRequest) -> HttpResponse:
    agent = access.agent_for(request.user)
    form = SearchForm(request.GET)
    form.is_valid()
    view = form.cleaned_data.get("view") or "mine"
    query = form.cleaned_data.get("q") or ""
    base = Ticket.objects.filter(organisation_id=agent.organisation_id)
    open_cases = base.open()
    # The teams the agent works in, and those they lead: a lead is alerted about their queue.
    team_ids = list(
        Team.objects.filter(Q(agents=agent) | Q(lead=agent)).values_list("pk", flat=True).distinct()
    )
    views = {
        "mine": open_cases.filter(owner=agent),
        "team": open_cases.filter(owner__isnull=True, team_id__in=team_ids),
        "all": open_cases,
    }
    # Three counts, each answered from its own index, instead of one scan of every open case.
    counts = {key: queryset.count() for key, queryset in views.items()}
    # Plain values, not model instances: a page of 50 cases would otherwise build 200 objects.
    cases = list(
        (_search(base, query) if query else views[view])
        .order_by(F("due_at").asc(nulls_last=True), "created_at")
        .values(*INBOX_COLUMNS)[:INBOX_PAGE_SIZE]
    )
    rows = inbox_rows(cases, organisation=agent.organisation)
    context = {
        "agent": agent,
        "form": form,
        "view": view,
        "query": query,
        "rows": rows,
        "counts": counts,
        "tabs": [
            ("mine", _("My cases"), counts["mine"]),
            ("team", _("Unassigned in my teams"), counts["team"]),
            ("all", _("All open"), counts["all"]),
        ],
    }
    template = (
        "tickets/_inbox_list.html" if request.headers.get("HX-Request") else "tickets/inbox.html"
    )
    return render(request, template, context)


# The reply, note and status forms share field names; their own ids keep each label, and each
# error's link, on its own field.
NOTE_IDS = "note_%s"
STATUS_IDS = "status_%s"
PRIORITY_IDS = "priority_%s"
LANGUAGE_IDS = "language_%s"


def _detail_context(request: HttpRequest, ticket: Ticket) -> dict[str, object]:
    agent = access.agent_for(request.user)
    thread = display.attach_originals(
        list(ticket.messages.select_related("author_agent__user").prefetch_related("attachments")),
        ticket,
    )
    events = list(ticket.events.select_related("actor_agent__user"))
    contact_points = list(ticket.requester.contact_points.all())
    _flag_strangers(thread, contact_points)
    from_customer = [m for m in thread if m.direction == Message.Direction.INBOUND and m.by_person]
    return {
        "agent": agent,
        "ticket": ticket,
        "thread": thread,
        "events": events,
        "deliveries": delivery.deliveries_for(ticket.pk),
        "reply_form": ReplyForm(),
        "note_form": NoteForm(auto_id=NOTE_IDS),
        "status_form": StatusForm(initial={"status": ticket.status}, auto_id=STATUS_IDS),
        "owner_form": OwnerForm(
            organisation_id=ticket.organisation_id, initial={"owner": ticket.owner_id}
        ),
        "transfer_form": TransferForm(
            organisation_id=ticket.organisation_id, owner_id=ticket.owner_id
        ),
        "may_override": access.may_override_owner(agent, ticket),
        "may_take": access.may_take(agent, ticket),
        # A split must leave the case at least one message the customer wrote themselves.
        "can_split": len(from_customer) > 1,
        "suggestions": _suggestions(ticket) if ticket.needs_triage else [],
        "category_form": CategoryForm(initial={"category": ticket.category}),
        "priority_form": PriorityForm(initial={"priority": ticket.priority}, auto_id=PRIORITY_IDS),
        "language_form": LanguageForm(initial={"language": ticket.language}, auto_id=LANGUAGE_IDS),
        "merge_form": MergeForm(),
        "contact_points": contact_points,
        # The first of each kind, as the reply is mailed to the first e-mail address.
        "customer_email": _first(contact_points, ContactPoint.Kind.EMAIL),
        "customer_phone": _first(contact_points, ContactPoint.Kind.PHONE),
        "given_elsewhere": _given_elsewhere(events, contact_points),
        "case_addresses": case_addresses(ticket, thread=thread),
    }


def _first(contact_points: list[ContactPoint], kind: str) -> str:
    return next((point.value for point in contact_points if point.kind == kind), "")


def _flag_strangers(thread: list[Message], contact_points: list[ContactPoint]) -> None:
    """Give each message its ``stranger``: the address a mail came from when that address is
    not one of the customer's ("" otherwise). Anyone can write to a case's reply address; the
    agent must see when someone else did, and can link the address from there."""
    received = [
        m.pk
        for m in thread
        if m.direction == Message.Direction.INBOUND and m.channel == Channel.EMAIL and m.by_person
    ]
    senders = dict(
        InboundEmail.objects.filter(message_id__in=received)
        .exclude(from_address="")
        .values_list("message_id", "from_address")
        if received
        else ()
    )
    own = {point.value for point in contact_points if point.kind == ContactPoint.Kind.EMAIL}
    for message in thread:
        address = normalise_email(senders.get(message.pk, ""))
        setattr(message, "stranger", address if address and address not in own else "")  # noqa: B010


def _given_elsewhere(events: list[TicketEvent], contact_points: list[ContactPoint]) -> list[str]:
    """Addresses written with the case that are not the customer's: another customer has them,
    and a form's word is not enough to join the two (see ``find_or_create_customer``)."""
    created = next((e for e in events if e.kind == TicketEvent.Kind.CREATED), None)
    theirs = {point.value for point in contact_points}
    given = created.data.get("given", []) if created and isinstance(created.data, dict) else []
    return [value for value in given if value not in theirs]


def _suggestions(ticket: Ticket) -> list[tuple[str, float]]:
    routed = (
        ticket.events.filter(kind="routed").order_by("-pk").values_list("data", flat=True).first()
    )
    return [(str(label), float(p)) for label, p in (routed or {}).get("suggestions", [])]


@login_required
def detail(request: HttpRequest, number: int) -> HttpResponse:
    ticket = access.get_ticket_for(request.user, number)
    # The case is being looked at: its alerts for this person have done their work. Looked up
    # first, so that a page view with no alert (nearly all) writes nothing.
    unread = list(
        Alert.objects.unread_for(access.agent_for(request.user))
        .filter(ticket=ticket)
        .values_list("pk", flat=True)
    )
    if unread:
        Alert.objects.filter(pk__in=unread).mark_read()
    return render(request, "tickets/detail.html", _detail_context(request, ticket))


def _invalid(request: HttpRequest, ticket: Ticket, **forms: object) -> HttpResponse:
    context = _detail_context(request, ticket) | forms
    return render(request, "tickets/detail.html", context, status=422)


def _merged_meanwhile(
    request: HttpRequest, ticket: Ticket, name: str, form: ReplyForm | NoteForm
) -> HttpResponse | None:
    """A reply or note sent from a case merged away while it was written: the page of the case
    it lives on in, with the text kept in its box there (None for a case not merged)."""
    if ticket.merged_into_id is None:
        return None
    live = access.get_ticket_for(request.user, actions.surviving_case(ticket).number)
    form.is_valid()
    form.add_error(
        None,
        _("%(ref)s was merged into %(live)s while you wrote. Your text is kept here: send it now.")
        % {"ref": ticket.reference, "live": live.reference},
    )
    return _invalid(request, live, **{name: form})


@require_POST
@login_required
def reply(request: HttpRequest, number: int) -> HttpResponse:
    ticket = access.get_ticket_for(request.user, number)
    form = ReplyForm(request.POST, request.FILES)
    if moved := _merged_meanwhile(request, ticket, "reply_form", form):
        return moved
    if not form.is_valid():
        return _invalid(request, ticket, reply_form=form)
    actions.reply_to_customer(
        ticket,
        agent=access.agent_for(request.user),
        body=form.cleaned_data["body"],
        attachments=form.cleaned_data["attachments"],
        status=form.cleaned_data["status"] or None,
    )
    if ticket.requester.primary_email:
        flash.success(request, _("Your reply was sent to the customer."))
    else:
        flash.success(
            request,
            _(
                "Your reply is saved and shown on the customer's case page. Nothing was mailed: "
                "the customer gave no e-mail address."
            ),
        )
    return redirect(ticket)


@require_POST
@login_required
def note(request: HttpRequest, number: int) -> HttpResponse:
    ticket = access.get_ticket_for(request.user, number)
    form = NoteForm(request.POST, auto_id=NOTE_IDS)
    if moved := _merged_meanwhile(request, ticket, "note_form", form):
        return moved
    if not form.is_valid():
        return _invalid(request, ticket, note_form=form)
    actions.add_note(ticket, agent=access.agent_for(request.user), body=form.cleaned_data["body"])
    flash.success(request, _("Internal note saved."))
    return redirect(ticket)


@require_POST
@login_required
def status(request: HttpRequest, number: int) -> HttpResponse:
    ticket = access.get_ticket_for(request.user, number)
    form = StatusForm(request.POST, auto_id=STATUS_IDS)
    if not form.is_valid():
        return _invalid(request, ticket, status_form=form)
    actions.change_status(
        ticket, status=form.cleaned_data["status"], agent=access.agent_for(request.user)
    )
    flash.success(request, _("Status changed."))
    return redirect(ticket)


@require_POST
@login_required
def owner(request: HttpRequest, number: int) -> HttpResponse:
    ticket = access.get_ticket_for(request.user, number)
    if not access.may_override_owner(access.agent_for(request.user), ticket):
        raise PermissionDenied("only the team's lead and administrators change the owner directly")
    form = OwnerForm(request.POST, organisation_id=ticket.organisation_id)
    if not form.is_valid():
        return _invalid(request, ticket, owner_form=form)
    new_owner = access.get_agent_in_org(request.user, form.cleaned_data["owner"].pk)
    actions.assign_ticket(ticket, owner=new_owner, agent=access.agent_for(request.user))
    flash.success(request, _("%(name)s now owns the case.") % {"name": new_owner.name})
    return redirect(ticket)


@login_required
def attachment(request: HttpRequest, number: int, pk: int) -> HttpResponseBase:
    return serve_attachment(access.get_attachment_for(request.user, number, pk))


TRANSFER_REFUSALS = {
    "loop": gettext_lazy(
        "That would send the case back to someone who had it before. Your team lead has been "
        "alerted and can decide who takes it."
    ),
    "hops": gettext_lazy(
        "The case has been handed over too many times already. Your team lead has been alerted "
        "and can decide who takes it."
    ),
    "same": gettext_lazy("The case is already with that person."),
    "note": gettext_lazy("Write a hand-over note for the new owner."),
    "target": gettext_lazy("Choose a person or a team to hand the case over to."),
}


@require_POST
@login_required
def transfer(request: HttpRequest, number: int) -> HttpResponse:
    ticket = access.get_ticket_for(request.user, number)
    form = TransferForm(
        request.POST, organisation_id=ticket.organisation_id, owner_id=ticket.owner_id
    )
    if not form.is_valid():
        return _invalid(request, ticket, transfer_form=form)
    to_owner = form.cleaned_data["to_owner"]
    if to_owner is not None:
        to_owner = access.get_agent_in_org(request.user, to_owner.pk)
    team_before = ticket.team_id
    try:
        ticket = actions.transfer_ticket(
            ticket,
            agent=access.agent_for(request.user),
            note=form.cleaned_data["note"],
            to_owner=to_owner,
            to_team=form.cleaned_data["to_team"],
            why=form.cleaned_data["why"],
        )
    except actions.TransferRefused as refused:
        if refused.code == "unavailable" and refused.person is not None:
            form.add_error(
                "to_owner", _unavailable(refused.person, refused.stand_in, owner_id=ticket.owner_id)
            )
        else:
            form.add_error(None, str(TRANSFER_REFUSALS[refused.code]))
        return _invalid(request, ticket, transfer_form=form)
    if ticket.owner is not None and ticket.team_id != team_before:
        # Handing to a person of another team moves the case to their team: say so.
        flash.success(
            request,
            _("%(name)s has the case now, in the team %(team)s.")
            % {"name": ticket.owner.name, "team": ticket.team.name if ticket.team else ""}
            + " "
            + _customer_told(ticket),
        )
    elif ticket.owner is not None:
        flash.success(
            request,
            _("%(name)s has the case now.") % {"name": ticket.owner.name}
            + " "
            + _customer_told(ticket),
        )
    else:
        flash.success(
            request,
            _("The case waits in the queue of %(team)s.")
            % {"team": ticket.team.name if ticket.team else ""}
            + " "
            + _customer_told(ticket),
        )
    return redirect(ticket)


def _unavailable(person: Agent, stand_in: Agent | None, *, owner_id: int | None) -> str:
    """Why a hand-over to ``person`` is refused, naming who can take it instead (not the stand-in
    when the stand-in is who has the case now: nobody hands a case to themselves)."""
    values = {"name": person.name, "availability": availability_words(person)}
    if stand_in is not None and stand_in.pk == owner_id:
        return _(
            "%(name)s cannot take the case now (%(availability)s), and %(stand_in)s, who stands "
            "in for them, has it already. Keep it there, or hand it to someone else or to the "
            "team."
        ) % {**values, "stand_in": stand_in.name}
    if stand_in is not None:
        return _(
            "%(name)s cannot take the case now (%(availability)s). %(stand_in)s stands in for "
            "them: hand it to %(stand_in)s instead."
        ) % {**values, "stand_in": stand_in.name}
    return (
        _(
            "%(name)s cannot take the case now (%(availability)s) and has no stand-in who can. "
            "Hand it to someone else or to the team."
        )
        % values
    )


@require_POST
@login_required
def take(request: HttpRequest, number: int) -> HttpResponse:
    """An agent of the team takes a case from the team queue, without a note."""
    ticket = access.get_ticket_for(request.user, number)
    agent = access.agent_for(request.user)
    not_yours = _("Someone else has the case now, or it is not in your team's queue.")
    if not access.may_take(agent, ticket):
        flash.error(request, not_yours)
        return redirect(ticket)
    try:
        actions.take_ticket(ticket, agent=agent)
    except actions.TransferRefused:
        flash.error(request, not_yours)
        return redirect(ticket)
    flash.success(request, _("You have the case now.") + " " + _customer_told(ticket))
    return redirect(ticket)


@require_POST
@login_required
def category(request: HttpRequest, number: int) -> HttpResponse:
    ticket = access.get_ticket_for(request.user, number)
    form = CategoryForm(request.POST)
    if not form.is_valid():
        return _invalid(request, ticket, category_form=form)
    actions.set_category(
        ticket, agent=access.agent_for(request.user), category=form.cleaned_data["category"]
    )
    flash.success(request, _("Category saved."))
    target = request.POST.get("next", "")
    return redirect(target if target == reverse("routing:triage") else ticket.get_absolute_url())


@require_POST
@login_required
def priority(request: HttpRequest, number: int) -> HttpResponse:
    ticket = access.get_ticket_for(request.user, number)
    form = PriorityForm(request.POST, auto_id=PRIORITY_IDS)
    if not form.is_valid():
        return _invalid(request, ticket, priority_form=form)
    actions.set_priority(
        ticket, agent=access.agent_for(request.user), priority=form.cleaned_data["priority"]
    )
    flash.success(request, _("Priority changed."))
    return redirect(ticket)


@require_POST
@login_required
def language(request: HttpRequest, number: int) -> HttpResponse:
    ticket = access.get_ticket_for(request.user, number)
    form = LanguageForm(request.POST, auto_id=LANGUAGE_IDS)
    if not form.is_valid():
        return _invalid(request, ticket, language_form=form)
    ticket = actions.set_language(
        ticket, agent=access.agent_for(request.user), language=form.cleaned_data["language"]
    )
    if ticket.language_missing:
        flash.success(
            request,
            _(
                "Language saved. Nobody here writes “%(language)s”: the case is marked so, and "
                "automatic notices to the customer are in English."
            )
            % {"language": language_name(ticket.language)},
        )
    else:
        flash.success(request, _("Language saved."))
    return redirect(ticket)


@require_POST
@login_required
def merge(request: HttpRequest, number: int) -> HttpResponse:
    ticket = access.get_ticket_for(request.user, number)
    form = MergeForm(request.POST)
    if not form.is_valid():
        return _invalid(request, ticket, merge_form=form)
    try:
        into = access.get_ticket_for(request.user, form.cleaned_data["into"])
    except Http404:
        form.add_error("into", _("There is no case with that number."))
        return _invalid(request, ticket, merge_form=form)
    try:
        target = actions.merge_tickets(ticket, into=into, agent=access.agent_for(request.user))
    except actions.MergeRefused as refused:
        form.add_error("into", _merge_refusal(str(refused), ticket=ticket, into=into))
        return _invalid(request, ticket, merge_form=form)
    if target.pk != into.pk:
        flash.success(
            request,
            _("Merged into %(ref)s, which %(asked)s was merged into; nothing was lost.")
            % {"ref": target.reference, "asked": into.reference}
            + " "
            + _customer_told(target),
        )
    else:
        flash.success(
            request,
            _("Merged into %(ref)s; nothing was lost.") % {"ref": target.reference}
            + " "
            + _customer_told(target),
        )
    return redirect(target)


def _customer_told(ticket: Ticket) -> str:
    """How the customer learnt of a hand-over, merge or split: by mail, or on their case page
    only."""
    if ticket.requester.primary_email:
        return _("The customer has been told by e-mail.")
    return _("The customer has no e-mail address; the notice is on their case page.")


def _merge_refusal(code: str, *, ticket: Ticket, into: Ticket) -> str:
    if code == "same":
        return _("A case cannot be merged into itself.")
    if code == "cycle":
        return _(
            "%(into)s was already merged into %(ref)s, so %(ref)s cannot be merged into it."
        ) % {
            "into": into.reference,
            "ref": ticket.reference,
        }
    if code == "merged":
        return _("%(ref)s was already merged into %(survivor)s; its messages are there.") % {
            "ref": ticket.reference,
            "survivor": actions.surviving_case(ticket).reference,
        }
    return _("Only cases of the same customer can be merged.")


@require_POST
@login_required
def split(request: HttpRequest, number: int, pk: int) -> HttpResponse:
    message = access.get_message_for(request.user, number, pk)
    try:
        new = actions.split_message(message, agent=access.agent_for(request.user))
    except ValueError as refused:
        flash.error(
            request,
            _(
                "This is the only message from the customer in the case; it cannot be split "
                "off, or the case would have none left."
            )
            if str(refused) == "only"
            else _("Only a message from the customer can be made a case of its own."),
        )
        return redirect(message.ticket)
    flash.success(
        request,
        _("The message is now case %(ref)s.") % {"ref": new.reference} + " " + _customer_told(new),
    )
    return redirect(new)


@login_required
def alerts(request: HttpRequest) -> HttpResponse:
    agent = access.agent_for(request.user)
    if request.method == "POST":
        Alert.objects.unread_for(agent).mark_read()
        flash.success(request, _("All alerts marked as read."))
        return redirect("tickets:alerts")
    unread = list(Alert.objects.unread_for(agent).select_related("ticket__organisation")[:200])
    earlier = list(Alert.objects.read_by(agent).select_related("ticket__organisation")[:50])
    return render(request, "tickets/alerts.html", {"unread": unread, "earlier": earlier})
