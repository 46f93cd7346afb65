from django.apps import AppConfig


class BriefingsConfig(AppConfig):
    name = "rapport.briefings"
    label = "briefings"
    verbose_name = "Briefings and feature feedback"
