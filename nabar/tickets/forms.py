from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from nabar.accounts.models import Agent
from nabar.contact.forms import MessageField
from nabar.lib.uploads import AttachmentsField
from nabar.tickets.models import Ticket


class ReplyForm(forms.Form):
    body = MessageField(label=_("Reply to the customer"), widget=forms.Textarea(attrs={"rows": 8}))
    attachments = AttachmentsField(label=_("Attachments (optional)"))
    status = forms.ChoiceField(
        label=_("Then set the status to"),
        choices=[("", _("Keep as it is"))]
        + [(value, label) for value, label in Ticket.Status.choices if value != Ticket.Status.NEW],
        required=False,
    )


class NoteForm(forms.Form):
    body = MessageField(
        label=_("Internal note (never shown to the customer)"),
        widget=forms.Textarea(attrs={"rows": 4}),
    )


class StatusForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), choices=Ticket.Status.choices)


class OwnerForm(forms.Form):
    owner = forms.ModelChoiceField(
        label=_("Owner"), queryset=Agent.objects.none(), empty_label=None
    )

    def __init__(self, *args: object, organisation_id: int, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        field = self.fields["owner"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = Agent.objects.filter(
            organisation_id=organisation_id, is_active=True
        ).select_related("user")


class SearchForm(forms.Form):
    q = forms.CharField(label=_("Search cases"), required=False, max_length=200)
    view = forms.ChoiceField(
        choices=[
            ("mine", _("My cases")),
            ("team", _("Unassigned in my teams")),
            ("all", _("All open")),
        ],
        required=False,
    )
