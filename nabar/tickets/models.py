"""Cases (tickets), their messages, attachments and the timeline of events."""

from __future__ import annotations

import secrets
from typing import TYPE_CHECKING, Any

from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from nabar.accounts.models import Agent


def new_public_token() -> str:
    return secrets.token_urlsafe(24)


class Channel(models.TextChoices):
    WEB = "web", _("Web form")
    EMAIL = "email", _("E-mail")
    CHAT = "chat", _("Chat")
    CALLBACK = "callback", _("Callback")
    PHONE = "phone", _("Phone")
    API = "api", _("API")


class TicketQuerySet(models.QuerySet["Ticket"]):
    def open(self) -> TicketQuerySet:
        # A positive list (not "not solved or closed") lets the database use the open-case indexes.
        return self.filter(status__in=Ticket.OPEN_STATUSES)

    def awaiting_first_reply(self) -> TicketQuerySet:
        return self.open().filter(first_response_at__isnull=True)


# The tag routing gives a case in a language nobody on staff writes, before the language code.
LANGUAGE_MISSING_TAG = "language:"


class Ticket(models.Model):
    class Status(models.TextChoices):
        NEW = "new", _("New")
        OPEN = "open", _("Open")
        WAITING = "waiting", _("Waiting on customer")
        SOLVED = "solved", _("Solved")
        CLOSED = "closed", _("Closed")

    class Priority(models.TextChoices):
        LOW = "low", _("Low")
        NORMAL = "normal", _("Normal")
        HIGH = "high", _("High")
        URGENT = "urgent", _("Urgent")

    CLOSED_STATUSES = (Status.SOLVED, Status.CLOSED)
    OPEN_STATUSES = (Status.NEW, Status.OPEN, Status.WAITING)

    organisation = models.ForeignKey(
        "accounts.Organisation",
        verbose_name=_("organisation"),
        on_delete=models.PROTECT,
        related_name="tickets",
    )
    number = models.PositiveIntegerField(_("case number"))
    requester = models.ForeignKey(
        "customers.Customer",
        verbose_name=_("customer"),
        on_delete=models.PROTECT,
        related_name="tickets",
    )
    owner = models.ForeignKey(
        "accounts.Agent",
        verbose_name=_("owner"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="owned_tickets",
    )
    team = models.ForeignKey(
        "accounts.Team",
        verbose_name=_("team"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="tickets",
    )
    status = models.CharField(_("status"), max_length=10, choices=Status, default=Status.NEW)
    priority = models.CharField(
        _("priority"), max_length=8, choices=Priority, default=Priority.NORMAL
    )
    channel = models.CharField(_("channel"), max_length=10, choices=Channel)
    subject = models.CharField(_("subject"), max_length=200, blank=True)
    language = models.CharField(_("language"), max_length=8, blank=True)
    public_token = models.CharField(
        _("key of the customer's link"), max_length=64, unique=True, default=new_public_token
    )
    submission_key = models.CharField(
        _("form submission key"), max_length=64, blank=True, default=""
    )
    # Expected first reply, as announced to the customer (a range).
    expected_reply_from = models.DateTimeField(_("expected reply, earliest"), null=True, blank=True)
    expected_reply_until = models.DateTimeField(_("expected reply, latest"), null=True, blank=True)
    due_at = models.DateTimeField(_("due"), null=True, blank=True)
    first_response_at = models.DateTimeField(_("first response"), null=True, blank=True)
    last_customer_message_at = models.DateTimeField(
        _("last message from the customer"), null=True, blank=True
    )
    solved_at = models.DateTimeField(_("solved"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    handoff_count = models.PositiveSmallIntegerField(_("hand-offs"), default=0)
    owner_since = models.DateTimeField(_("owner since"), null=True, blank=True)
    category = models.CharField(_("category"), max_length=80, blank=True)
    category_confidence = models.FloatField(_("category confidence"), null=True, blank=True)
    # "" | "model" | "agent" | "rule"
    category_set_by = models.CharField(_("category set by"), max_length=12, blank=True)
    needs_triage = models.BooleanField(_("needs sorting"), default=False)
    tags = models.JSONField(_("tags"), default=list, blank=True)
    handover_note = models.TextField(_("hand-over note"), blank=True)
    handover_from = models.CharField(_("handed over by"), max_length=200, blank=True)
    merged_into = models.ForeignKey(
        "self",
        verbose_name=_("merged into"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="merged_cases",
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = TicketQuerySet.as_manager()

    class Meta:
        verbose_name = _("case")
        verbose_name_plural = _("cases")
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "number"], name="ticket_number_unique_per_org"
            ),
            models.UniqueConstraint(
                fields=["organisation", "submission_key"],
                condition=~Q(submission_key=""),
                name="ticket_submission_once",
            ),
        ]
        # The inbox filters on a list of open statuses; these let each list and count seek
        # straight to the open cases of one organisation, owner or unowned team queue.
        indexes = [
            models.Index(fields=["organisation", "status", "due_at"], name="ticket_org_queue_idx"),
            models.Index(fields=["owner", "status", "due_at"], name="ticket_owner_queue_idx"),
            models.Index(fields=["team", "owner", "status"], name="ticket_team_queue_idx"),
            # An owner's recent first replies: their pace for the reply time a new case is told.
            models.Index(fields=["owner", "first_response_at"], name="ticket_owner_replied_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.reference} {self.subject}"

    def get_absolute_url(self) -> str:
        return reverse("tickets:detail", kwargs={"number": self.number})

    @property
    def reference(self) -> str:
        return f"{self.organisation.case_prefix}-{self.number}"

    @property
    def is_closed(self) -> bool:
        return self.status in self.CLOSED_STATUSES

    @property
    def language_missing(self) -> bool:
        """Whether nobody on staff writes the case's language, so we answer in English.

        Routing tags such a case ``language:<code>`` (``LANGUAGE_MISSING_TAG``).
        """
        return any(str(tag).startswith(LANGUAGE_MISSING_TAG) for tag in self.tags)

    def get_public_url(self) -> str:
        return reverse(
            "contact:case", kwargs={"slug": self.organisation.slug, "token": self.public_token}
        )


class Message(models.Model):
    class Direction(models.TextChoices):
        INBOUND = "in", _("From the customer")
        OUTBOUND = "out", _("To the customer")
        INTERNAL = "note", _("Internal note")

    class WrittenBy(models.TextChoices):
        PERSON = "person", _("A person")
        AUTOMATION = "automation", _("An automation")

    ticket = models.ForeignKey(
        Ticket, verbose_name=_("case"), on_delete=models.CASCADE, related_name="messages"
    )
    direction = models.CharField(_("direction"), max_length=4, choices=Direction)
    channel = models.CharField(_("channel"), max_length=10, choices=Channel)
    written_by = models.CharField(
        _("written by"), max_length=10, choices=WrittenBy, default=WrittenBy.PERSON
    )
    author_agent = models.ForeignKey(
        "accounts.Agent",
        verbose_name=_("author (agent)"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    author_customer = models.ForeignKey(
        "customers.Customer",
        verbose_name=_("author (customer)"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    author_name = models.CharField(_("author's name"), max_length=200, blank=True)
    body = models.TextField(_("text"))
    # The quoted history and signature folded away from an e-mail, one click away.
    quoted_text = models.TextField(_("quoted text"), blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("message")
        verbose_name_plural = _("messages")
        ordering = ["created_at", "pk"]
        indexes = [
            # The reply rate of the agents working now (expected reply times).
            models.Index(fields=["author_agent", "created_at"], name="message_agent_time_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_direction_display()} {self.created_at:%Y-%m-%d %H:%M}"

    @property
    def is_internal(self) -> bool:
        return self.direction == self.Direction.INTERNAL

    @property
    def by_person(self) -> bool:
        return self.written_by == self.WrittenBy.PERSON


def attachment_path(instance: Attachment, filename: str) -> str:
    return f"attachments/{instance.message.ticket.organisation_id}/{secrets.token_hex(16)}"


class Attachment(models.Model):
    message = models.ForeignKey(
        Message, verbose_name=_("message"), on_delete=models.CASCADE, related_name="attachments"
    )
    file = models.FileField(_("file"), upload_to=attachment_path, max_length=255)
    filename = models.CharField(_("file name"), max_length=255)
    content_type = models.CharField(_("content type"), max_length=120)
    size = models.PositiveBigIntegerField(_("size (bytes)"))
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")

    def __str__(self) -> str:
        return self.filename


class TicketEvent(models.Model):
    """One line of a case's timeline, written by the action that changed the case."""

    class Kind(models.TextChoices):
        CREATED = "created", _("Case opened")
        ASSIGNED = "assigned", _("Owner set")
        STATUS = "status", _("Status changed")
        REPLIED = "replied", _("Reply sent")
        NOTE = "note", _("Internal note")
        CUSTOMER_WROTE = "customer_wrote", _("Customer wrote")
        REOPENED = "reopened", _("Reopened")
        RECEIPT = "receipt", _("Receipt sent")
        ESTIMATE = "estimate", _("Expected reply time announced")
        AUTOMATIC = "automatic", _("Automatic mail received")
        BOUNCED = "bounced", _("Mail to the customer bounced")
        ROUTED = "routed", _("Routed")
        TRANSFERRED = "transferred", _("Handed over")
        CATEGORY = "category", _("Category set")
        PRIORITY = "priority", _("Priority changed")
        LANGUAGE = "language", _("Language changed")
        URGENT = "urgent", _("Marked urgent")
        MERGED = "merged", _("Cases merged")
        SPLIT = "split", _("Message split into a new case")
        ADDRESS_LINKED = "address_linked", _("Address linked to a customer")
        CUSTOMERS_MERGED = "customers_merged", _("Customers merged")

    ticket = models.ForeignKey(
        Ticket, verbose_name=_("case"), on_delete=models.CASCADE, related_name="events"
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind)
    actor_agent = models.ForeignKey(
        "accounts.Agent",
        verbose_name=_("agent"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    actor_label = models.CharField(_("done by"), max_length=200, blank=True)
    data: models.JSONField[dict[str, Any]] = models.JSONField(
        _("details"), default=dict, blank=True
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("case event")
        verbose_name_plural = _("case events")
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.created_at:%Y-%m-%d %H:%M}"


class AlertQuerySet(models.QuerySet["Alert"]):
    def unread_for(self, agent: Agent) -> AlertQuerySet:
        """The alerts waiting for ``agent``: the menu counts them, the alerts page lists them first."""
        return self.filter(recipient=agent, read_at__isnull=True)

    def read_by(self, agent: Agent) -> AlertQuerySet:
        return self.filter(recipient=agent, read_at__isnull=False)

    def mark_read(self) -> int:
        return self.update(read_at=timezone.now())


class Alert(models.Model):
    """Something a person must look at now: a case about to breach, a third hand-off, an urgent case."""

    class Kind(models.TextChoices):
        URGENT = "urgent", _("Urgent case")
        HANDOFFS = "handoffs", _("Case handed over too often")
        BOUNCED = "bounced", _("Hand-over back refused")
        BREACH_SOON = "breach_soon", _("Reply due soon")
        BREACHED = "breached", _("Reply overdue")
        NOBODY = "nobody", _("Nobody available")
        LANGUAGE = "language", _("Nobody speaks the language")
        HANDED = "handed", _("Case handed to you")
        OTHER = "other", _("Other")

    organisation = models.ForeignKey(
        "accounts.Organisation",
        verbose_name=_("organisation"),
        on_delete=models.CASCADE,
        related_name="alerts",
    )
    recipient = models.ForeignKey(
        "accounts.Agent",
        verbose_name=_("recipient"),
        on_delete=models.CASCADE,
        related_name="alerts",
    )
    ticket = models.ForeignKey(
        Ticket,
        verbose_name=_("case"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="alerts",
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind)
    # In English, for the admin and for search; the alerts page says it in the reader's language
    # from ``data`` (``message``).
    text = models.CharField(_("text"), max_length=500)
    data = models.JSONField(_("details"), default=dict, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True, db_index=True)
    read_at = models.DateTimeField(_("read"), null=True, blank=True)

    objects = AlertQuerySet.as_manager()

    class Meta:
        verbose_name = _("alert")
        verbose_name_plural = _("alerts")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["recipient", "read_at"])]
        constraints = [
            # One unread alert of a kind per person and case: sweeps may run many times.
            models.UniqueConstraint(
                fields=["recipient", "ticket", "kind"],
                condition=Q(read_at__isnull=True),
                name="one_unread_alert_per_kind",
            )
        ]

    def __str__(self) -> str:
        return self.text

    def message(self) -> str:
        """What happened, in the active language."""
        from nabar.tickets.alerts import describe

        return describe(self.kind, self.data) if self.data else self.text
