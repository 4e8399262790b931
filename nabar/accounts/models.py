"""Organisations, their teams and the people (agents) who answer customers."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

from django.contrib.auth.models import AbstractUser
from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from nabar.sla.clock import BusinessHours

DEFAULT_OPENING_HOURS: dict[str, list[list[str]]] = {
    "mon": [["08:00", "17:00"]],
    "tue": [["08:00", "17:00"]],
    "wed": [["08:00", "17:00"]],
    "thu": [["08:00", "17:00"]],
    "fri": [["08:00", "16:00"]],
    "sat": [],
    "sun": [],
}


def default_opening_hours() -> dict[str, Any]:
    return {
        day: [list(interval) for interval in spans] for day, spans in DEFAULT_OPENING_HOURS.items()
    }


class User(AbstractUser):
    """A person who logs in: an agent, a team lead or an administrator."""

    display_name = models.CharField(
        _("display name"),
        max_length=80,
        blank=True,
        help_text=_("The name customers see, e.g. a first name. Defaults to the first name."),
    )

    @property
    def public_name(self) -> str:
        return self.display_name or self.first_name or self.username


class Organisation(models.Model):
    name = models.CharField(_("name"), max_length=120)
    slug = models.SlugField(_("address name"), unique=True)
    email_address = models.EmailField(
        _("published e-mail address"),
        help_text=_("Always shown on the public contact page."),
    )
    phone_number = models.CharField(_("phone number"), max_length=40, blank=True)
    case_prefix = models.CharField(
        _("case number prefix"),
        max_length=6,
        default="NB",
        validators=[RegexValidator(r"^[A-Z]{1,6}$", _("Use 1 to 6 capital letters A-Z."))],
    )
    next_case_number = models.PositiveIntegerField(
        _("next case number"), default=1001, editable=False
    )
    time_zone = models.CharField(_("time zone"), max_length=60, default="Europe/Stockholm")
    opening_hours = models.JSONField(
        _("opening hours"),
        default=default_opening_hours,
        help_text=_('Per weekday a list of [opens, closes], e.g. {"mon": [["08:00", "17:00"]]}.'),
    )
    intro_sv = models.TextField(_("introduction (Swedish)"), blank=True)
    intro_en = models.TextField(_("introduction (English)"), blank=True)
    default_team = models.ForeignKey(
        "accounts.Team",
        verbose_name=_("default team"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    continuity_days = models.PositiveSmallIntegerField(
        _("same owner for new cases within (days)"),
        default=30,
        help_text=_(
            "A customer's new case goes to the owner of their last case within this many days."
        ),
    )
    stand_in_after_hours = models.PositiveSmallIntegerField(
        _("stand-in takes over after (hours away)"), default=4
    )
    # When the sweeper last queued a retraining of the category classifier (one at a time).
    triage_retrain_requested_at = models.DateTimeField(
        _("classifier retraining requested"), null=True, blank=True, editable=False
    )
    language_fallback_team = models.ForeignKey(
        "accounts.Team",
        verbose_name=_("team for languages nobody speaks"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def intro(self, language: str) -> str:
        return self.intro_sv if language.startswith("sv") else (self.intro_en or self.intro_sv)


class Strategy(models.TextChoices):
    LOAD_BALANCED = "load_balanced", _("Fewest open cases first (within capacity)")
    ROUND_ROBIN = "round_robin", _("In turn")
    MANUAL = "manual", _("Picked by hand")


class Team(models.Model):
    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="teams", verbose_name=_("organisation")
    )
    name = models.CharField(_("name"), max_length=80)
    lead = models.ForeignKey(
        "accounts.Agent",
        verbose_name=_("team lead"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="led_teams",
    )
    skills = models.JSONField(
        _("skills"),
        default=list,
        blank=True,
        help_text=_("Product areas or categories this team handles, e.g. invoice, delivery."),
    )
    strategy = models.CharField(
        _("assignment"), max_length=16, choices=Strategy, default=Strategy.LOAD_BALANCED
    )
    last_assigned = models.ForeignKey(
        "accounts.Agent",
        verbose_name=_("last given a case"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("team")
        verbose_name_plural = _("teams")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "name"], name="team_name_unique_per_org"
            )
        ]

    def __str__(self) -> str:
        return self.name


class Agent(models.Model):
    """A user's membership of one organisation as someone who answers cases."""

    class Availability(models.TextChoices):
        AVAILABLE = "available", _("Available")
        AWAY = "away", _("Away")
        OFF = "off", _("Off work")

    user = models.OneToOneField(
        User, on_delete=models.CASCADE, related_name="agent", verbose_name=_("user")
    )
    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.CASCADE,
        related_name="agents",
        verbose_name=_("organisation"),
    )
    teams = models.ManyToManyField(Team, related_name="agents", blank=True, verbose_name=_("teams"))
    availability = models.CharField(
        _("availability"), max_length=12, choices=Availability, default=Availability.AVAILABLE
    )
    stand_in = models.ForeignKey(
        "self",
        verbose_name=_("stand-in"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="standing_in_for",
    )
    languages = models.JSONField(_("languages"), default=list, blank=True)
    skills = models.JSONField(_("skills"), default=list, blank=True)
    away_since = models.DateTimeField(_("away since"), null=True, blank=True, editable=False)
    back_on = models.DateField(_("back on"), null=True, blank=True)
    capacity = models.PositiveSmallIntegerField(_("open cases at most"), default=40)
    chat_capacity = models.PositiveSmallIntegerField(_("chats at the same time at most"), default=3)
    # {"mon": [["08:00", "17:00"]], ...} in the organisation's time zone; {} = no hours of
    # their own (available means working). See nabar.accounts.hours.
    working_hours = models.JSONField(_("working hours"), default=dict, blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("agent")
        verbose_name_plural = _("agents")
        ordering = ["user__first_name", "user__username"]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return self.user.public_name

    def own_hours(self, tz: str, holidays: Iterable[date] = ()) -> BusinessHours | None:
        """The working hours the agent set, in ``tz``; None when they set none or they cannot
        be read (then availability alone decides)."""
        if not self.working_hours:
            return None
        try:
            return BusinessHours.from_spec(self.working_hours, tz=tz, holidays=holidays)
        except ValueError:
            return None
