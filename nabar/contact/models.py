"""Files a customer attached to a form that was sent back for correction.

The browser forgets chosen files when a form is shown again with errors; these rows keep them,
keyed by the form's submission key, so the customer does not have to choose them again.
"""

from __future__ import annotations

import secrets

from django.db import models
from django.utils.translation import gettext_lazy as _


def pending_path(instance: PendingUpload, filename: str) -> str:
    return f"pending/{secrets.token_hex(16)}"


class PendingUpload(models.Model):
    organisation = models.ForeignKey(
        "accounts.Organisation",
        verbose_name=_("organisation"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    submission_key = models.CharField(_("form submission key"), max_length=64, db_index=True)
    file = models.FileField(_("file"), upload_to=pending_path, max_length=255)
    filename = models.CharField(_("file name"), max_length=255)
    content_type = models.CharField(_("content type"), max_length=120)
    size = models.PositiveBigIntegerField(_("size (bytes)"))
    created_at = models.DateTimeField(_("created"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("pending upload")
        verbose_name_plural = _("pending uploads")

    def __str__(self) -> str:
        return self.filename
