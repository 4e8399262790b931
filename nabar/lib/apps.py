from django.apps import AppConfig


class LibConfig(AppConfig):
    name = "nabar.lib"
    label = "nabar_lib"
