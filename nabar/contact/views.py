"""Public pages: the contact page, the receipt and the customer's private case page."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.contrib import messages as flash
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from nabar.accounts.models import Organisation
from nabar.contact import access
from nabar.contact import actions as contact_actions
from nabar.contact.forms import ContactForm, FollowUpForm, KeepsFilesForm, VerdictForm
from nabar.contact.models import PendingUpload
from nabar.lib.ratelimit import client_address, over_limit
from nabar.lib.uploads import AttachmentsField, acceptable
from nabar.sla.clock import is_open
from nabar.tickets import actions
from nabar.tickets.expected import business_hours
from nabar.tickets.models import Attachment, Channel, Message, Ticket, TicketEvent

DAY_ORDER = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]


def rate_limited(scope: str) -> Callable[..., Any]:
    """Refuse with 429 and a clear page when one address posts too often."""

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if request.method == "POST" and over_limit(
                scope,
                client_address(request),
                limit=settings.NABAR_PUBLIC_RATE_PER_HOUR,
                window_seconds=3600,
            ):
                context = {
                    "organisation": Organisation.objects.filter(slug=kwargs.get("slug")).first(),
                    # Shown back to copy: nothing typed is lost.
                    "typed": str(request.POST.get("body", "")),
                }
                return render(request, "contact/rate_limited.html", context, status=429)
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


def _opening_rows(opening_hours: dict[str, list[list[str]]]) -> list[tuple[str, str]]:
    names = {
        "mon": _("Monday"),
        "tue": _("Tuesday"),
        "wed": _("Wednesday"),
        "thu": _("Thursday"),
        "fri": _("Friday"),
        "sat": _("Saturday"),
        "sun": _("Sunday"),
    }
    rows = []
    for day in DAY_ORDER:
        spans = opening_hours.get(day) or []
        text = ", ".join(f"{a}–{b}" for a, b in spans) if spans else _("Closed")
        rows.append((names[day], text))
    return rows


@require_http_methods(["GET", "POST"])
@rate_limited("contact")
def contact_page(request: HttpRequest, slug: str) -> HttpResponse:
    organisation = access.get_organisation(slug)
    kept: list[PendingUpload] = []
    if request.method == "POST":
        form = ContactForm(request.POST, request.FILES)
        kept = _kept_files(request, organisation, form)
        if form.is_valid() and not form.cleaned_data["website"]:
            data = form.cleaned_data
            files = [*map(contact_actions.as_uploaded, kept), *data["attachments"]]
            ticket, _created = actions.open_ticket(
                organisation,
                case=actions.NewCase(
                    name=data["name"],
                    email=data["email"],
                    phone=data["phone"],
                    body=data["body"],
                    language=translation.get_language() or "sv",
                ),
                channel=Channel.WEB,
                attachments=files,
                submission_key=data["submission_key"],
            )
            contact_actions.discard_pending(kept)
            return redirect("contact:receipt", slug=organisation.slug, token=ticket.public_token)
        status = 422
        if form.is_valid():  # the hidden field was filled in: treat as spam, store nothing
            status = 400
            form.add_error(None, _("Your message could not be sent. Please try again."))
        else:
            kept = _keep_chosen(request, organisation, form, kept)
    else:
        form = ContactForm(initial={"submission_key": _new_key()})
        status = 200
    hours = business_hours(organisation)
    context = {
        "organisation": organisation,
        "form": form,
        "kept": kept,
        "opening_rows": _opening_rows(organisation.opening_hours),
        "open_now": is_open(timezone.now(), hours),
        "intro": organisation.intro(translation.get_language() or "sv"),
        "max_upload": settings.NABAR_ATTACHMENT_MAX_BYTES,
    }
    return render(request, "contact/contact_page.html", context, status=status)


def _kept_files(
    request: HttpRequest, organisation: Organisation, form: KeepsFilesForm
) -> list[PendingUpload]:
    """The files kept from earlier tries of this form, less those the person removed now.

    They count towards the file limit of the form, as if chosen again.
    """
    kept = contact_actions.pending_uploads(organisation, submission_key=form.raw_submission_key())
    removed = set(request.POST.getlist("discard_upload"))
    discarded = [p for p in kept if str(p.pk) in removed]
    kept = [p for p in kept if str(p.pk) not in removed]
    contact_actions.discard_pending(discarded)
    attachments = form.fields["attachments"]
    assert isinstance(attachments, AttachmentsField)
    attachments.already_attached = len(kept)
    return kept


def _keep_chosen(
    request: HttpRequest,
    organisation: Organisation,
    form: KeepsFilesForm,
    kept: list[PendingUpload],
) -> list[PendingUpload]:
    """Keep the files chosen with a form that came back with an error; all kept files.

    The browser forgets chosen files when the form comes back: keep them here, all but a
    refused one, which is named in the error and must be chosen again.
    """
    key = form.raw_submission_key()
    if not key:
        return kept
    if "attachments" in form.errors:
        uploads = acceptable(
            request.FILES.getlist("attachments"),
            room=settings.NABAR_ATTACHMENTS_PER_MESSAGE - len(kept),
        )
    else:
        uploads = form.cleaned_data.get("attachments") or []
    contact_actions.keep_pending(organisation, submission_key=key, files=uploads)
    return contact_actions.pending_uploads(organisation, submission_key=key)


def _new_key() -> str:
    return secrets.token_urlsafe(24)


def _case_or_gone(request: HttpRequest, slug: str, token: str) -> Ticket | HttpResponse:
    organisation = access.get_organisation(slug)
    try:
        return access.get_case_by_token(organisation, token)
    except access.CaseLinkExpired as exc:
        return render(
            request,
            "contact/case_expired.html",
            {"organisation": organisation, "reference": exc.ticket.reference},
            status=410,
        )


def _continued(request: HttpRequest, ticket: Ticket) -> HttpResponse | None:
    """The way to the case a merged-away case goes on in, with a word saying so; else None.

    The duplicate holds no messages any more and must not be answered or judged: its link
    leads to the case that has them.
    """
    surviving = actions.surviving_case(ticket)
    if surviving.pk == ticket.pk:
        return None
    flash.info(
        request,
        _("Your case %(old)s was joined with %(new)s and continues here.")
        % {"old": ticket.reference, "new": surviving.reference},
    )
    return redirect(surviving.get_public_url())


def receipt(request: HttpRequest, slug: str, token: str) -> HttpResponse:
    ticket = _case_or_gone(request, slug, token)
    if isinstance(ticket, HttpResponse):
        return ticket
    if (continued := _continued(request, ticket)) is not None:
        return continued
    sent = ticket.events.filter(kind=TicketEvent.Kind.RECEIPT).first()
    # Where the receipt went: the address the writer gave, if any.
    receipt_to = str(sent.data.get("to", "")) if sent else ""
    return render(
        request, "contact/receipt.html", _case_context(ticket) | {"receipt_to": receipt_to}
    )


def _verdict_on_answer(ticket: Ticket) -> tuple[bool, str]:
    """Whether a person has answered the case, and the customer's verdict on the latest answer.

    The question "is it solved?" makes sense only after a person answered, and once per answer:
    the verdict is the ``verdict`` the customer's status or reopen event records ("solved" or
    "not_solved"), or "" when none was given since that answer.
    """
    answer = (
        ticket.messages.filter(
            direction=Message.Direction.OUTBOUND, written_by=Message.WrittenBy.PERSON
        )
        .order_by("created_at", "pk")
        .last()
    )
    if answer is None:
        return False, ""
    event = (
        ticket.events.filter(
            kind__in=[TicketEvent.Kind.STATUS, TicketEvent.Kind.REOPENED],
            created_at__gte=answer.created_at,
            data__has_key="verdict",
        )
        .order_by("created_at", "pk")
        .last()
    )
    return True, str(event.data["verdict"]) if event else ""


def _status_for_customer(ticket: Ticket) -> str:
    """The case's status in the customer's words: agents wait on the customer, but the
    customer reads that we wait for their reply."""
    if ticket.status == Ticket.Status.WAITING:
        return _("Waiting for your reply")
    return ticket.get_status_display()


def _case_context(ticket: Ticket) -> dict[str, Any]:
    thread = (
        ticket.messages.exclude(direction=Message.Direction.INTERNAL)
        .select_related("author_agent__user")
        .prefetch_related("attachments")
    )
    answered, verdict = _verdict_on_answer(ticket)
    return {
        "ask_verdict": answered and not verdict,
        # A "solved" verdict stands until the case opens again (the customer wrote more).
        "verdict": "" if verdict == "solved" and not ticket.is_closed else verdict,
        "ticket": ticket,
        "status": _status_for_customer(ticket),
        "organisation": ticket.organisation,
        "thread": thread,
        "owner_name": ticket.owner.name if ticket.owner else "",
        "awaiting_reply": ticket.first_response_at is None and not ticket.is_closed,
        "language_missing": ticket.language_missing,
    }


@require_http_methods(["GET", "POST"])
@rate_limited("case")
def case_page(request: HttpRequest, slug: str, token: str) -> HttpResponse:
    ticket = _case_or_gone(request, slug, token)
    if isinstance(ticket, HttpResponse):
        return ticket
    if request.method == "GET" and (continued := _continued(request, ticket)) is not None:
        return continued
    # A message sent from a page shown before the merge goes on in the surviving case.
    ticket = actions.surviving_case(ticket)
    form = FollowUpForm(initial={"submission_key": _new_key()})
    kept: list[PendingUpload] = []
    status = 200
    if request.method == "POST":
        form = FollowUpForm(request.POST, request.FILES)
        kept = _kept_files(request, ticket.organisation, form)
        if form.is_valid():
            actions.add_customer_message(
                ticket,
                body=form.cleaned_data["body"],
                channel=Channel.WEB,
                attachments=[
                    *map(contact_actions.as_uploaded, kept),
                    *form.cleaned_data["attachments"],
                ],
            )
            contact_actions.discard_pending(kept)
            return redirect(ticket.get_public_url() + "#latest")
        kept = _keep_chosen(request, ticket.organisation, form, kept)
        status = 422
    context = _case_context(ticket) | {"form": form, "kept": kept, "verdict_form": VerdictForm()}
    return render(request, "contact/case_page.html", context, status=status)


@require_http_methods(["GET", "POST"])
@rate_limited("case")
def case_verdict(request: HttpRequest, slug: str, token: str) -> HttpResponse:
    ticket = _case_or_gone(request, slug, token)
    if isinstance(ticket, HttpResponse):
        return ticket
    ticket = actions.surviving_case(ticket)
    if request.method == "GET":
        # Reached by reloading after an error or by a shared link: the question is on the page.
        return redirect(ticket.get_public_url() + "#verdict")
    form = VerdictForm(request.POST)
    if not form.is_valid():
        follow_up = FollowUpForm(initial={"submission_key": _new_key()})
        context = _case_context(ticket) | {"form": follow_up, "verdict_form": form}
        return render(request, "contact/case_page.html", context, status=422)
    actions.customer_verdict(
        ticket, solved=form.cleaned_data["solved"], comment=form.cleaned_data["comment"]
    )
    # The verdict section now confirms what was recorded.
    return redirect(ticket.get_public_url() + "#verdict")


def case_attachment(request: HttpRequest, slug: str, token: str, pk: int) -> HttpResponseBase:
    ticket = _case_or_gone(request, slug, token)
    if isinstance(ticket, HttpResponse):
        return ticket
    ticket = actions.surviving_case(ticket)  # the files moved with their messages
    attachment = get_object_or_404(
        Attachment.objects.exclude(message__direction=Message.Direction.INTERNAL),
        pk=pk,
        message__ticket=ticket,
    )
    return serve_attachment(attachment)


def serve_attachment(attachment: Attachment) -> FileResponse:
    try:
        handle = attachment.file.open("rb")
    except FileNotFoundError:
        raise Http404("file") from None
    # Always a download: a stored HTML or SVG file must never run in our origin.
    return FileResponse(
        handle,
        as_attachment=True,
        filename=attachment.filename,
        content_type="application/octet-stream",
    )


def home(request: HttpRequest) -> HttpResponse:
    """The front page lists the organisations' contact pages."""
    return render(request, "contact/home.html", {"organisations": Organisation.objects.all()})
