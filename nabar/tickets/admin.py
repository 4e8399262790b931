from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from nabar.tickets.models import Ticket, TicketEvent


@admin.register(Ticket)
class TicketAdmin(admin.ModelAdmin):
    list_display = ("reference", "subject", "status", "owner", "due_at", "created_at")
    list_filter = ("organisation", "status", "channel")
    search_fields = ("number", "subject")
    list_select_related = ("organisation", "owner__user")
    readonly_fields = ("public_token", "submission_key")

    @admin.display(description=_("case number"), ordering="number")
    def reference(self, obj: Ticket) -> str:
        return obj.reference


@admin.register(TicketEvent)
class TicketEventAdmin(admin.ModelAdmin):
    list_display = ("ticket", "kind", "actor_label", "created_at")
    list_filter = ("kind",)
    list_select_related = ("ticket__organisation",)

    def has_change_permission(self, request: object, obj: object = None) -> bool:
        return False
