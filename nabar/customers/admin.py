from django.contrib import admin

from nabar.customers.models import ContactPoint, Customer


class ContactPointInline(admin.TabularInline):
    model = ContactPoint
    extra = 0
    fields = ("kind", "value", "organisation")


@admin.register(Customer)
class CustomerAdmin(admin.ModelAdmin):
    list_display = ("__str__", "organisation", "language", "created_at")
    search_fields = ("name", "contact_points__value")
    inlines = [ContactPointInline]
