"""Render form widgets with their help and error texts tied to them for screen readers."""

from __future__ import annotations

from django import template
from django.forms import BoundField
from django.utils.safestring import SafeString

register = template.Library()


@register.simple_tag
def widget_with_aria(field: BoundField, help_text: str = "") -> SafeString:
    """The widget, described by the help shown beside it (``_field.html``) and its errors.

    The ids are those ``_field.html`` gives the texts: ``_help`` for help the page passes in,
    Django's own ``_helptext`` for the field's ``help_text``. Setting the attribute here also
    keeps Django from pointing at a ``_helptext`` element the page does not render.
    """
    attrs: dict[str, str | bool] = {}
    described = []
    if help_text:
        described.append(f"{field.auto_id}_help")
    if field.help_text:
        described.append(f"{field.auto_id}_helptext")
    if field.errors:
        described.append(f"{field.auto_id}_error")
        attrs["aria-invalid"] = "true"
    if described:
        attrs["aria-describedby"] = " ".join(described)
    if field.field.required:
        attrs["required"] = "required"
    return field.as_widget(attrs=attrs)
