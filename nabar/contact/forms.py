"""The public contact form: one plain free-text form, no compulsory category."""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.utils.formats import number_format
from django.utils.translation import gettext_lazy as _

from nabar.lib.uploads import AttachmentsField

MAX_MESSAGE_CHARS = 100_000
PHONE_RE = re.compile(r"^\+?[0-9 ()\-]{6,24}$")
SUBMISSION_KEY_RE = re.compile(r"[A-Za-z0-9_-]{8,64}")


def clean_text(value: str) -> str:
    """Normalise line ends and drop NUL and other control characters a browser never types."""
    value = value.replace("\r\n", "\n").replace("\r", "\n")
    return "".join(ch for ch in value if ch in "\n\t" or ord(ch) >= 32)


class MessageField(forms.CharField):
    def __init__(self, **kwargs: Any) -> None:
        messages = {
            "required": _("Please write your message."),
            "max_length": _(
                "Your message is %(length)s characters long; at most %(limit)s fit. "
                "Please shorten it or attach the rest as a file."
            ),
        }
        messages.update(kwargs.pop("error_messages", None) or {})
        # No ``max_length``: it would give the textarea a ``maxlength``, and a browser cuts a
        # longer paste without a word; ``validate`` says how long the text is and what to do.
        super().__init__(strip=True, error_messages=messages, **kwargs)

    def to_python(self, value: Any) -> str:
        return clean_text(super().to_python(value) or "")

    def validate(self, value: Any) -> None:
        super().validate(value)
        if len(value) > MAX_MESSAGE_CHARS:
            # Numbers this long are read more easily grouped: "100,001", "100 001".
            raise forms.ValidationError(
                self.error_messages["max_length"],
                code="max_length",
                params={
                    "length": number_format(len(value), force_grouping=True),
                    "limit": number_format(MAX_MESSAGE_CHARS, force_grouping=True),
                },
            )


class KeepsFilesForm(forms.Form):
    """A form whose chosen files are kept, under its submission key, when it comes back with
    an error: a browser forgets them, and choosing them again is easy to miss."""

    submission_key = forms.CharField(widget=forms.HiddenInput, required=False, max_length=64)

    def raw_submission_key(self) -> str:
        key = str(self.data.get("submission_key", ""))
        return key if SUBMISSION_KEY_RE.fullmatch(key) else ""

    def clean_submission_key(self) -> str:
        key = self.cleaned_data["submission_key"]
        return key if SUBMISSION_KEY_RE.fullmatch(key or "") else ""


class ContactForm(KeepsFilesForm):
    name = forms.CharField(
        label=_("Your name"),
        max_length=200,
        error_messages={"required": _("Please tell us your name, so we know what to call you.")},
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    email = forms.EmailField(
        label=_("E-mail address"),
        required=False,
        max_length=254,
        error_messages={
            "invalid": _(
                "This does not look like an e-mail address. Check it, e.g. name@example.se."
            )
        },
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    phone = forms.CharField(
        label=_("Phone number"),
        required=False,
        max_length=40,
        widget=forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "tel"}),
    )
    body = MessageField(
        label=_("Describe your case in your own words"),
        error_messages={"required": _("Please write what your case is about.")},
        widget=forms.Textarea(attrs={"rows": 10}),
    )
    attachments = AttachmentsField(label=_("Attachments (optional)"))
    # A field people never see; automated spam fills it in.
    website = forms.CharField(required=False, label=_("Leave this field empty"))

    def clean_name(self) -> str:
        return clean_text(self.cleaned_data["name"]).strip()

    def clean_phone(self) -> str:
        phone = self.cleaned_data["phone"].strip()
        if phone and not PHONE_RE.match(phone):
            raise forms.ValidationError(
                # Not "digits only": spaces, dashes and a leading + are fine, as the examples show.
                _("Write the phone number in digits, e.g. 070-123 45 67 or +46 70 123 45 67.")
            )
        return phone

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        # A mistyped address or number has its own error; the person did give one.
        typed_wrong = "email" in self.errors or "phone" in self.errors
        if not data.get("email") and not data.get("phone") and not typed_wrong:
            message = _("Give an e-mail address or a phone number, so we can answer you.")
            self.add_error("email", message)
        return data


class FollowUpForm(KeepsFilesForm):
    body = MessageField(
        label=_("Write to us"),
        widget=forms.Textarea(attrs={"rows": 6}),
    )
    attachments = AttachmentsField(label=_("Attachments (optional)"))


class VerdictForm(forms.Form):
    solved = forms.TypedChoiceField(
        choices=[("yes", _("Solved")), ("no", _("Not solved"))],
        coerce=lambda value: value == "yes",
    )
    comment = MessageField(
        label=_("Anything to add? (optional)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
