from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from nabar.mail.intake import process_inbound
from nabar.mail.models import InboundEmail, Mailbox, OutboundEmail


@admin.register(OutboundEmail)
class OutboundEmailAdmin(admin.ModelAdmin):
    list_display = ("to_address", "subject", "kind", "status", "attempts", "created_at", "sent_at")
    list_filter = ("status", "kind", "automatic")
    search_fields = ("to_address", "subject", "rfc_message_id")
    readonly_fields = [f.name for f in OutboundEmail._meta.fields]


@admin.register(Mailbox)
class MailboxAdmin(admin.ModelAdmin):
    list_display = (
        "name",
        "address",
        "kind",
        "organisation",
        "enabled",
        "last_checked_at",
        "last_error",
    )
    list_filter = ("kind", "enabled", "organisation")
    readonly_fields = ("last_checked_at", "last_error")


@admin.register(InboundEmail)
class InboundEmailAdmin(admin.ModelAdmin):
    """Received mail; filter on "Could not be processed" for the unprocessed list."""

    list_display = (
        "received_at",
        "from_address",
        "subject",
        "status",
        "reason",
        "detail",
        "case_link",
        "size",
    )
    list_filter = ("status", "reason", "source", "organisation")
    search_fields = ("from_address", "subject", "header_message_id")
    readonly_fields = [f.name for f in InboundEmail._meta.fields if f.name != "raw"] + ["raw_link"]
    exclude = ("raw",)
    actions = ["retry"]
    list_select_related = ("ticket__organisation",)

    @admin.display(description=_("case"))
    def case_link(self, obj: InboundEmail) -> str:
        if obj.ticket is None:
            return "—"
        return format_html(
            '<a href="{}">{}</a>', obj.ticket.get_absolute_url(), obj.ticket.reference
        )

    @admin.display(description=_("original message"))
    def raw_link(self, obj: InboundEmail) -> str:
        url = reverse("admin:mail_inboundemail_raw", args=[obj.pk])
        return format_html('<a href="{}">{}</a>', url, _("Download the message as received (.eml)"))

    @admin.action(description=_("Process the selected mail again"))
    def retry(self, request: HttpRequest, queryset: QuerySet[InboundEmail]) -> None:
        done = [process_inbound(pk) for pk in queryset.values_list("pk", flat=True)]
        worked = sum(1 for status in done if status and status != InboundEmail.Status.FAILED)
        self.message_user(
            request,
            ngettext("%(n)d message processed.", "%(n)d messages processed.", worked)
            % {"n": worked},
            messages.SUCCESS if worked == len(done) else messages.WARNING,
        )

    def get_urls(self):  # type: ignore[no-untyped-def]
        return [
            path(
                "<int:pk>/raw/",
                self.admin_site.admin_view(self.raw_view),
                name="mail_inboundemail_raw",
            ),
            *super().get_urls(),
        ]

    def raw_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        if not self.has_view_permission(request):
            raise PermissionDenied
        inbound = get_object_or_404(self.get_queryset(request), pk=pk)
        response = HttpResponse(bytes(inbound.raw), content_type="message/rfc822")
        response["Content-Disposition"] = f'attachment; filename="message-{pk}.eml"'
        return response
