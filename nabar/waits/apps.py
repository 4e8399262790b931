from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WaitsConfig(AppConfig):
    name = "nabar.waits"
    verbose_name = _("Waiting times")
