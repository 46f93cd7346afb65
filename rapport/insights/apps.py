from django.apps import AppConfig


class InsightsConfig(AppConfig):
    name = "rapport.insights"
    label = "insights"
    verbose_name = "Insights"

    def ready(self) -> None:
        from rapport.insights import panels, receivers

        receivers.connect()
        panels.register()
