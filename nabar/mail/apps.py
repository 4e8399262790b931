from django.apps import AppConfig


class MailConfig(AppConfig):
    name = "nabar.mail"
    label = "mail"
