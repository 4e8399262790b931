from django.apps import AppConfig


class WaitsConfig(AppConfig):
    name = "nabar.waits"
