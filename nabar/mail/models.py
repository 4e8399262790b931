"""Outbound mail: an outbox written in the same transaction as the change that causes it."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class OutboundEmail(models.Model):
    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Delivered to the mail server")
        DEFERRED = "deferred", _("Deferred, will retry")
        FAILED = "failed", _("Failed")
        BOUNCED = "bounced", _("Bounced")

    class Kind(models.TextChoices):
        RECEIPT = "receipt", _("Receipt")
        REPLY = "reply", _("Reply")
        NOTICE = "notice", _("Notice")

    organisation = models.ForeignKey(
        "accounts.Organisation",
        verbose_name=_("organisation"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    ticket = models.ForeignKey(
        "tickets.Ticket",
        verbose_name=_("case"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="emails",
    )
    message = models.ForeignKey(
        "tickets.Message",
        verbose_name=_("message"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="emails",
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind)
    automatic = models.BooleanField(
        _("automatic"),
        default=False,
        help_text=_("Sent by an automation (receipt, notice), not written by a person."),
    )
    from_name = models.CharField(_("sender name"), max_length=200)
    from_address = models.EmailField(_("from address"))
    to_address = models.EmailField(_("to address"))
    subject = models.CharField(_("subject"), max_length=300)
    body_text = models.TextField(_("text"))
    body_html = models.TextField(_("HTML"), blank=True)
    rfc_message_id = models.CharField(_("Message-ID"), max_length=250, unique=True)
    in_reply_to = models.CharField(_("In-Reply-To"), max_length=250, blank=True)
    references = models.TextField(_("References"), blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status, default=Status.QUEUED, db_index=True
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True, db_index=True)
    last_error = models.TextField(_("last error"), blank=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("outgoing e-mail")
        verbose_name_plural = _("outgoing e-mails")
        ordering = ["-created_at"]
        indexes = [
            # The receipt limit per address and matching a bounce to its mail look up by
            # recipient; without it both read the whole outbox for every inbound message.
            models.Index(fields=["to_address", "created_at"], name="outbound_to_time_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.to_address}: {self.subject}"


class Mailbox(models.Model):
    """Where an organisation's mail comes in: an IMAP mailbox, or the built-in SMTP receiver.

    No password is stored here: ``password_env`` names the environment variable that holds it,
    so credentials stay out of the database, its backups and the admin.
    """

    class Kind(models.TextChoices):
        IMAP = "imap", _("IMAP mailbox")
        SMTP = "smtp", _("Built-in SMTP receiver")

    organisation = models.ForeignKey(
        "accounts.Organisation",
        verbose_name=_("organisation"),
        on_delete=models.CASCADE,
        related_name="mailboxes",
    )
    name = models.SlugField(_("name"), help_text=_("A short name, e.g. support."))
    kind = models.CharField(_("kind"), max_length=8, choices=Kind, default=Kind.IMAP)
    address = models.EmailField(
        _("address"), help_text=_("The published address whose mail arrives here.")
    )
    imap_host = models.CharField(_("IMAP server"), max_length=200, blank=True)
    imap_port = models.PositiveIntegerField(_("IMAP port"), default=993)
    imap_tls = models.BooleanField(_("TLS"), default=True)
    imap_username = models.CharField(_("IMAP user name"), max_length=200, blank=True)
    password_env = models.CharField(
        _("password variable"),
        max_length=100,
        blank=True,
        help_text=_("Name of the environment variable that holds the IMAP password."),
    )
    folder = models.CharField(_("folder"), max_length=200, default="INBOX")
    enabled = models.BooleanField(_("enabled"), default=True)
    last_checked_at = models.DateTimeField(_("last checked"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)

    class Meta:
        verbose_name = _("mailbox")
        verbose_name_plural = _("mailboxes")
        constraints = [
            models.UniqueConstraint(fields=["organisation", "name"], name="mailbox_name_unique")
        ]

    def __str__(self) -> str:
        return f"{self.name} <{self.address}>"


class InboundEmail(models.Model):
    """One received message, raw bytes first: stored and committed before the source is told.

    Parsing happens afterwards in a retryable task; a message that cannot be understood stays
    here, flagged, with a retry button, and is never lost.
    """

    class Source(models.TextChoices):
        IMAP = "imap", _("IMAP")
        SMTP = "smtp", _("SMTP receiver")
        IMPORT = "import", _("Import")
        WEBHOOK = "webhook", _("Provider webhook")

    class Status(models.TextChoices):
        RECEIVED = "received", _("Received, waiting to be processed")
        PROCESSING = "processing", _("Being processed")
        NEW_CASE = "new_case", _("Opened a new case")
        FOLLOW_UP = "follow_up", _("Added to a case")
        AUTOMATIC = "automatic", _("Automatic mail, not answered")
        BOUNCE = "bounce", _("Bounce of an outgoing mail")
        FAILED = "failed", _("Could not be processed")

    class Reason(models.TextChoices):
        """Why a message was flagged or not answered, shown in the reader's language.

        The technical particulars (a header, a parser defect, a bounce's diagnostic) stay in
        ``detail`` as the mail system wrote them.
        """

        UNREADABLE = "unreadable", _("The message could not be read")
        NO_ORGANISATION = "no_organisation", _("No organisation receives mail at these addresses")
        NO_SENDER = "no_sender", _("No sender address to answer")
        ERROR = "error", _("Processing stopped with an error")
        RECEIPT_WITHHELD = (
            "receipt_withheld",
            _("Receipt withheld: too many automatic mails to this address"),
        )
        AUTO_REPLY = "auto_reply", _("Auto-reply or out-of-office")
        AUTO_GENERATED = "auto_generated", _("Sent by a machine")
        BULK = "bulk", _("Bulk mail")
        LIST = "list", _("Mailing list")
        DELIVERY_REPORT = "delivery_report", _("Delivery report")
        BOUNCE = "bounce", _("Delivery failure of a mail sent from here")
        BOUNCE_UNMATCHED = "bounce_unmatched", _("Delivery failure of a mail not sent from here")

    organisation = models.ForeignKey(
        "accounts.Organisation",
        verbose_name=_("organisation"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
    )
    mailbox = models.ForeignKey(
        Mailbox,
        verbose_name=_("mailbox"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="messages",
    )
    source = models.CharField(_("source"), max_length=8, choices=Source)
    raw = models.BinaryField(_("raw message"))
    size = models.PositiveIntegerField(_("size (bytes)"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    header_message_id = models.CharField(_("Message-ID"), max_length=250, blank=True, db_index=True)
    envelope_from = models.CharField(_("envelope sender"), max_length=254, blank=True)
    envelope_to = models.TextField(_("envelope recipients"), blank=True)
    from_address = models.CharField(_("from address"), max_length=254, blank=True, db_index=True)
    subject = models.CharField(_("subject"), max_length=300, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status, default=Status.RECEIVED, db_index=True
    )
    reason = models.CharField(_("reason"), max_length=20, choices=Reason, blank=True)
    detail = models.TextField(_("technical detail"), blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    ticket = models.ForeignKey(
        "tickets.Ticket",
        verbose_name=_("case"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    message = models.ForeignKey(
        "tickets.Message",
        verbose_name=_("message"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    # The HTML version as sent, already sanitised; the thread shows the plain text first.
    html = models.TextField(_("HTML"), blank=True)
    # cid: of each inline image -> the id of the attachment stored on the message.
    inline_images: models.JSONField[dict[str, int]] = models.JSONField(
        _("inline images"), default=dict, blank=True
    )
    received_at = models.DateTimeField(_("received"), auto_now_add=True, db_index=True)
    processed_at = models.DateTimeField(_("processed"), null=True, blank=True)

    class Meta:
        verbose_name = _("incoming e-mail")
        verbose_name_plural = _("incoming e-mails")
        ordering = ["-received_at"]
        constraints = [
            models.UniqueConstraint(fields=["sha256"], name="inbound_same_bytes_once"),
        ]

    def __str__(self) -> str:
        return f"{self.from_address}: {self.subject}"
