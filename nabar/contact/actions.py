"""Keeping a customer's attachments across a form that was sent back for correction."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import timedelta

from django.core.files.uploadedfile import UploadedFile
from django.utils import timezone

from nabar.accounts.models import Organisation
from nabar.contact.models import PendingUpload

# Files kept for a form that is never sent are removed after this long.
PENDING_LIFETIME = timedelta(days=1)


def keep_pending(
    organisation: Organisation, *, submission_key: str, files: Sequence[UploadedFile]
) -> None:
    _purge_expired(organisation)
    for upload in files:
        pending = PendingUpload(
            organisation=organisation,
            submission_key=submission_key,
            filename=upload.name or "attachment",
            content_type=upload.content_type or "application/octet-stream",
            size=upload.size or 0,
        )
        pending.file.save(pending.filename, upload, save=False)
        pending.save()


def pending_uploads(organisation: Organisation, *, submission_key: str) -> list[PendingUpload]:
    if not submission_key:
        return []
    return list(
        PendingUpload.objects.filter(organisation=organisation, submission_key=submission_key)
    )


def discard_pending(uploads: Iterable[PendingUpload]) -> None:
    for pending in uploads:
        pending.file.delete(save=False)
        pending.delete()


def as_uploaded(pending: PendingUpload) -> UploadedFile:
    return UploadedFile(
        file=pending.file.open("rb"),
        name=pending.filename,
        content_type=pending.content_type,
        size=pending.size,
    )


def _purge_expired(organisation: Organisation) -> None:
    cutoff = timezone.now() - PENDING_LIFETIME
    discard_pending(PendingUpload.objects.filter(organisation=organisation, created_at__lt=cutoff))
