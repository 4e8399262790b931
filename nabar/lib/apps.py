from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LibConfig(AppConfig):
    name = "nabar.lib"
    verbose_name = _("Shared parts")
    label = "nabar_lib"
