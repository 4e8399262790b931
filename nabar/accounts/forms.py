from django import forms
from django.utils.translation import gettext_lazy as _

from nabar.accounts.models import Agent


class AvailabilityForm(forms.Form):
    availability = forms.ChoiceField(label=_("My availability"), choices=Agent.Availability.choices)
