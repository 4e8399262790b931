"""The page shown when a form's security token is missing or out of date.

Django's own page is a bare English explanation for developers. A customer meets this when
their browser blocked cookies or the form was open for long (the token changed when they logged
in or out elsewhere): they are told what happened in their language, get what they typed back
to copy, and are sent back to the form.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.http import url_has_allowed_host_and_scheme

# Fields whose text is worth giving back: the messages people write.
TYPED_FIELDS = ("body",)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    typed = next((str(request.POST[f]) for f in TYPED_FIELDS if request.POST.get(f)), "")
    back = request.path
    referer = str(request.META.get("HTTP_REFERER", ""))
    if url_has_allowed_host_and_scheme(
        referer, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        back = referer
    return render(request, "403_csrf.html", {"typed": typed, "back": back}, status=403)
