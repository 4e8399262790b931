"""Every announced wait, kept with what happened, so the accuracy of the estimates is measured."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from nabar.tickets.models import Channel


class WaitPrediction(models.Model):
    """One announced wait (a median and a 90th percentile) and, later, the real wait."""

    organisation = models.ForeignKey(
        "accounts.Organisation",
        verbose_name=_("organisation"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    channel = models.CharField(_("channel"), max_length=10, choices=Channel)
    # Kept when a case is erased: the accuracy figures do not identify anyone.
    ticket = models.ForeignKey(
        "tickets.Ticket",
        verbose_name=_("case"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="wait_predictions",
    )
    predictor = models.CharField(_("predictor"), max_length=40)
    predicted_at = models.DateTimeField(_("predicted at"))
    median_seconds = models.FloatField(_("most likely wait (s)"))
    p90_seconds = models.FloatField(_("latest wait (s)"))
    enough_data = models.BooleanField(_("enough data"), default=True)
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    abandoned = models.BooleanField(_("gave up"), default=False)
    waited_seconds = models.FloatField(_("real wait (s)"), null=True, blank=True)
    # Written channels: the range as the queue model gave it before any learnt correction, and
    # the real wait, in open hours; what the next cases' correction is learnt from.
    open_median_seconds = models.FloatField(
        _("most likely wait before correction (open s)"), null=True, blank=True
    )
    open_p90_seconds = models.FloatField(
        _("latest wait before correction (open s)"), null=True, blank=True
    )
    open_waited_seconds = models.FloatField(_("real wait (open s)"), null=True, blank=True)

    class Meta:
        verbose_name = _("wait prediction")
        verbose_name_plural = _("wait predictions")
        indexes = [
            models.Index(
                fields=["organisation", "predicted_at"], name="waitprediction_org_time_idx"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.channel} {self.predicted_at:%Y-%m-%d %H:%M} {self.median_seconds:.0f} s"
