from django.apps import AppConfig


class ContactConfig(AppConfig):
    name = "nabar.contact"
    label = "contact"
