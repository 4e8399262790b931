from django.contrib import admin

from nabar.mail.models import OutboundEmail


@admin.register(OutboundEmail)
class OutboundEmailAdmin(admin.ModelAdmin):
    list_display = ("to_address", "subject", "kind", "status", "attempts", "created_at", "sent_at")
    list_filter = ("status", "kind", "automatic")
    search_fields = ("to_address", "subject", "rfc_message_id")
    readonly_fields = [f.name for f in OutboundEmail._meta.fields]
