"""Agent pages of the mail app: inline images of received HTML mail."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest

from nabar.mail.display import INLINE_IMAGE_TYPES
from nabar.tickets import access


@login_required
def inline_image(request: HttpRequest, number: int, pk: int) -> FileResponse:
    """An image a customer's HTML mail shows inline; same access check as every attachment."""
    attachment = access.get_attachment_for(request.user, number, pk)
    if attachment.content_type.lower() not in INLINE_IMAGE_TYPES:
        raise Http404("not an inline image")
    try:
        handle = attachment.file.open("rb")
    except FileNotFoundError:
        raise Http404("file") from None
    response = FileResponse(handle, content_type=attachment.content_type.lower())
    response["Content-Disposition"] = "inline"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "private, max-age=3600"
    return response
