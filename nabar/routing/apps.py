from django.apps import AppConfig


class RoutingConfig(AppConfig):
    name = "nabar.routing"
