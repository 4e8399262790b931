from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from nabar.accounts.models import Agent, Organisation, Team, User


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    fieldsets = (*BaseUserAdmin.fieldsets, ("Nåbar", {"fields": ("display_name",)}))  # type: ignore[misc]
    list_display = ("username", "display_name", "first_name", "last_name", "email", "is_staff")


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ("name", "slug", "email_address", "default_team")
    prepopulated_fields = {"slug": ("name",)}


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ("name", "organisation", "lead")
    list_filter = ("organisation",)


@admin.register(Agent)
class AgentAdmin(admin.ModelAdmin):
    list_display = (
        "__str__",
        "organisation",
        "availability",
        "capacity",
        "chat_capacity",
        "stand_in",
        "is_active",
    )
    list_filter = ("organisation", "availability", "teams")
    filter_horizontal = ("teams",)
    list_select_related = ("user", "organisation", "stand_in__user")
