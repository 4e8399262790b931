from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "nabar.accounts"
    label = "accounts"
