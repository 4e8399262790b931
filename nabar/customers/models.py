"""Customers: people who contact an organisation. No account and no identity number needed."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Customer(models.Model):
    organisation = models.ForeignKey(
        "accounts.Organisation",
        verbose_name=_("organisation"),
        on_delete=models.CASCADE,
        related_name="customers",
    )
    name = models.CharField(_("name"), max_length=200, blank=True)
    language = models.CharField(_("language"), max_length=8, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("customer")
        verbose_name_plural = _("customers")

    def __str__(self) -> str:
        return self.name or self.primary_email or f"#{self.pk}"

    @property
    def primary_email(self) -> str:
        for point in self.contact_points.all():
            if point.kind == ContactPoint.Kind.EMAIL:
                return point.value
        return ""


class ContactPoint(models.Model):
    """One e-mail address or phone number; a customer may have several of each."""

    class Kind(models.TextChoices):
        EMAIL = "email", _("E-mail")
        PHONE = "phone", _("Phone")

    organisation = models.ForeignKey(
        "accounts.Organisation",
        verbose_name=_("organisation"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    customer = models.ForeignKey(
        Customer,
        verbose_name=_("customer"),
        on_delete=models.CASCADE,
        related_name="contact_points",
    )
    kind = models.CharField(_("kind"), max_length=8, choices=Kind)
    value = models.CharField(
        _("address or number"),
        max_length=254,
        help_text=_("Normalised: lower-case e-mail, digits."),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("contact point")
        verbose_name_plural = _("contact points")
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "kind", "value"], name="contact_point_unique_per_org"
            )
        ]

    def __str__(self) -> str:
        return self.value
