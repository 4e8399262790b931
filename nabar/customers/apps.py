from django.apps import AppConfig


class CustomersConfig(AppConfig):
    name = "nabar.customers"
    label = "customers"
