from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _


class CustomerSearchForm(forms.Form):
    q = forms.CharField(label=_("Name or e-mail address"), max_length=200, required=False)


class LinkAddressForm(forms.Form):
    LINK = "link"
    MERGE = "merge"

    address = forms.EmailField(widget=forms.HiddenInput)
    customer = forms.IntegerField(widget=forms.HiddenInput)
    how = forms.ChoiceField(choices=[(LINK, _("Link")), (MERGE, _("Merge"))])
