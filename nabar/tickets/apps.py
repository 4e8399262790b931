from django.apps import AppConfig
from django.db.models.signals import pre_delete
from django.utils.translation import gettext_lazy as _


class TicketsConfig(AppConfig):
    name = "nabar.tickets"
    verbose_name = _("Cases")
    label = "tickets"

    def ready(self) -> None:
        from nabar.accounts.models import Agent
        from nabar.tickets.signals import owner_deleted

        pre_delete.connect(owner_deleted, sender=Agent, dispatch_uid="tickets_owner_deleted")
