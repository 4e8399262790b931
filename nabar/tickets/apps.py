from django.apps import AppConfig


class TicketsConfig(AppConfig):
    name = "nabar.tickets"
    label = "tickets"
