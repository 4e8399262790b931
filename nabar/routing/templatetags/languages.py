"""``{{ code|language_name }}``: "Finska" for "fi" to a Swedish reader, "Finnish" in English."""

from __future__ import annotations

from django import template

from nabar.routing.language import language_name as name_of

register = template.Library()


@register.filter
def language_name(code: str) -> str:
    return name_of(code) if code else ""
