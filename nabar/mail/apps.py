from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MailConfig(AppConfig):
    name = "nabar.mail"
    verbose_name = _("E-mail")
    label = "mail"
