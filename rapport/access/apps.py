from django.apps import AppConfig


class AccessConfig(AppConfig):
    name = "rapport.access"
    label = "access"
    verbose_name = "Customer access strategy"
