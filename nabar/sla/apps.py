from django.apps import AppConfig


class SlaConfig(AppConfig):
    name = "nabar.sla"
