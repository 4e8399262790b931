"""Validation of uploaded attachments: size, count and executable content."""

from __future__ import annotations

from pathlib import PurePath

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

BLOCKED_EXTENSIONS = frozenset(
    [
        ".exe",
        ".com",
        ".bat",
        ".cmd",
        ".scr",
        ".pif",
        ".msi",
        ".msp",
        ".dll",
        ".cpl",
        ".jar",
        ".js",
        ".jse",
        ".vbs",
        ".vbe",
        ".wsf",
        ".wsh",
        ".hta",
        ".ps1",
        ".psm1",
        ".sh",
        ".bash",
        ".app",
        ".apk",
        ".lnk",
        ".reg",
        ".msc",
        ".gadget",
        ".inf",
        ".scf",
        ".iso",
        ".dmg",
    ]
)
# Leading bytes of Windows (MZ), Linux (ELF) and Mach-O programs, and of scripts.
BLOCKED_MAGIC = (b"MZ", b"\x7fELF", b"\xcf\xfa\xed\xfe", b"\xfe\xed\xfa\xcf", b"#!")


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class AttachmentsField(forms.FileField):
    """Any number of files (up to the configured count), each checked for size and content."""

    widget = MultipleFileInput
    # Files already kept from an earlier try of the same form count towards the limit.
    already_attached = 0

    def __init__(self, **kwargs: object) -> None:
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)  # type: ignore[arg-type]

    def clean(self, data: object, initial: object = None) -> list[UploadedFile]:
        candidates = data if isinstance(data, list | tuple) else [data]
        files: list[UploadedFile] = [f for f in candidates if isinstance(f, UploadedFile)]
        if len(files) + self.already_attached > settings.NABAR_ATTACHMENTS_PER_MESSAGE:
            raise ValidationError(
                _("You can attach at most %(count)d files.")
                % {"count": settings.NABAR_ATTACHMENTS_PER_MESSAGE}
            )
        errors = []
        for upload in files:
            try:
                check_upload(upload)
            except ValidationError as exc:
                errors.extend(exc.messages)
        if errors:
            raise ValidationError(errors)
        return files


def acceptable(files: list[UploadedFile], *, room: int) -> list[UploadedFile]:
    """The files that pass the checks, at most ``room`` of them: what a form refused for another
    file (or another field) can still keep, so that only the refused file must be chosen again."""
    kept: list[UploadedFile] = []
    for upload in files:
        if len(kept) >= room:
            break
        try:
            check_upload(upload)
        except ValidationError:
            continue
        upload.seek(0)
        kept.append(upload)
    return kept


def check_upload(upload: UploadedFile) -> None:
    name = upload.name or ""
    limit = settings.NABAR_ATTACHMENT_MAX_BYTES
    if (upload.size or 0) > limit:
        raise ValidationError(
            _("The file %(name)s is %(size)s; files can be at most %(limit)s.")
            % {
                "name": name,
                "size": filesizeformat(upload.size or 0),
                "limit": filesizeformat(limit),
            }
        )
    if (upload.size or 0) == 0:
        raise ValidationError(_("The file %(name)s is empty.") % {"name": name})
    suffixes = {s.lower() for s in PurePath(name).suffixes}
    head = upload.read(8)
    upload.seek(0)
    if suffixes & BLOCKED_EXTENSIONS or head.startswith(BLOCKED_MAGIC):
        raise ValidationError(
            _(
                "The file %(name)s is a program or script. For everyone's safety we do not "
                "accept those; send a document or a picture instead."
            )
            % {"name": name}
        )
