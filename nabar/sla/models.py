"""SLA policies, business hours per team, an organisation's own holidays and per-case clocks."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from nabar.tickets.models import Channel, Ticket

LIVE_CHANNELS = (Channel.CHAT, Channel.CALLBACK, Channel.PHONE)
# The promise for live channels: a person within three minutes, around the clock.
LIVE_TARGET = timedelta(minutes=3)


class ClockHours(models.TextChoices):
    BUSINESS = "business", _("Opening hours only")
    ALWAYS = "always", _("Around the clock")


class SlaPolicy(models.Model):
    """Reply targets for one channel, for one priority or (blank) for every priority."""

    organisation = models.ForeignKey(
        "accounts.Organisation",
        verbose_name=_("organisation"),
        on_delete=models.CASCADE,
        related_name="sla_policies",
    )
    channel = models.CharField(_("channel"), max_length=10, choices=Channel)
    priority = models.CharField(
        _("priority"), max_length=8, choices=Ticket.Priority, blank=True, default=""
    )
    first_response = models.DurationField(_("first human response"))
    next_response = models.DurationField(_("next response"))
    resolution = models.DurationField(_("resolution"), null=True, blank=True)
    hours = models.CharField(
        _("the clock runs"), max_length=10, choices=ClockHours, default=ClockHours.BUSINESS
    )
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("SLA policy")
        verbose_name_plural = _("SLA policies")
        ordering = ["channel", "priority"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "channel", "priority"], name="sla_policy_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_channel_display()} {self.get_priority_display() or '*'}"


class TeamHours(models.Model):
    """A team's own opening hours; without one the organisation's opening hours apply."""

    team = models.OneToOneField(
        "accounts.Team", on_delete=models.CASCADE, related_name="sla_hours", verbose_name=_("team")
    )
    time_zone = models.CharField(_("time zone"), max_length=60, default="Europe/Stockholm")
    opening_hours: models.JSONField[dict[str, Any]] = models.JSONField(
        _("opening hours"),
        help_text=_('Per weekday a list of [opens, closes], e.g. {"mon": [["08:00", "17:00"]]}.'),
    )
    swedish_holidays = models.BooleanField(_("closed on Swedish public holidays"), default=True)

    class Meta:
        verbose_name = _("team opening hours")
        verbose_name_plural = _("team opening hours")

    def __str__(self) -> str:
        return str(self.team)


class Holiday(models.Model):
    """A day an organisation is closed, beside the built-in Swedish public holidays."""

    organisation = models.ForeignKey(
        "accounts.Organisation",
        verbose_name=_("organisation"),
        on_delete=models.CASCADE,
        related_name="sla_holidays",
    )
    date = models.DateField(_("date"))
    name = models.CharField(_("name"), max_length=80)

    class Meta:
        verbose_name = _("holiday")
        verbose_name_plural = _("holidays")
        ordering = ["date"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "date"], name="sla_holiday_once"),
        ]

    def __str__(self) -> str:
        return f"{self.date} {self.name}"


class CaseClockQuerySet(models.QuerySet["CaseClock"]):
    def running(self) -> CaseClockQuerySet:
        return self.filter(stopped_at__isnull=True)

    def ticking(self) -> CaseClockQuerySet:
        return self.running().filter(paused_since__isnull=True)

    def responses(self) -> CaseClockQuerySet:
        return self.filter(kind__in=CaseClock.RESPONSE_KINDS)


class CaseClock(models.Model):
    """One SLA clock of one case: started, maybe paused, stopped by a person or by closing."""

    class Kind(models.TextChoices):
        FIRST_RESPONSE = "first_response", _("First human response")
        NEXT_RESPONSE = "next_response", _("Next response")
        RESOLUTION = "resolution", _("Resolution")

    RESPONSE_KINDS = (Kind.FIRST_RESPONSE, Kind.NEXT_RESPONSE)

    ticket = models.ForeignKey(
        Ticket, verbose_name=_("case"), on_delete=models.CASCADE, related_name="sla_clocks"
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind)
    target = models.DurationField(_("target"))
    hours = models.CharField(_("the clock runs"), max_length=10, choices=ClockHours)
    started_at = models.DateTimeField(_("started"))
    due_at = models.DateTimeField(_("due"))
    # When the owner is warned: a quarter of the target (at most an hour) of open time before due.
    warn_at = models.DateTimeField(_("warning time"))
    paused_since = models.DateTimeField(_("paused since"), null=True, blank=True)
    paused_seconds = models.PositiveIntegerField(_("paused (seconds)"), default=0)
    stopped_at = models.DateTimeField(_("stopped"), null=True, blank=True)
    warned_at = models.DateTimeField(_("warned"), null=True, blank=True)
    breached_at = models.DateTimeField(_("breached"), null=True, blank=True)

    objects = CaseClockQuerySet.as_manager()

    class Meta:
        verbose_name = _("case clock")
        verbose_name_plural = _("case clocks")
        ordering = ["started_at", "pk"]
        constraints = [
            # At most one running clock of each kind per case.
            models.UniqueConstraint(
                fields=["ticket", "kind"],
                condition=Q(stopped_at__isnull=True),
                name="sla_one_running_clock_per_kind",
            ),
        ]
        indexes = [
            # The sweeps: running clocks whose warning or due time has come.
            models.Index(
                fields=["warn_at"],
                condition=Q(stopped_at__isnull=True, warned_at__isnull=True),
                name="sla_clock_to_warn_idx",
            ),
            models.Index(
                fields=["due_at"],
                condition=Q(stopped_at__isnull=True, breached_at__isnull=True),
                name="sla_clock_to_breach_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.ticket_id}"

    @property
    def is_response(self) -> bool:
        return self.kind in self.RESPONSE_KINDS
