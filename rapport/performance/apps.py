from django.apps import AppConfig


class PerformanceConfig(AppConfig):
    name = "rapport.performance"
    label = "performance"
    verbose_name = "Performance"

    def ready(self) -> None:
        from rapport.performance import receivers

        receivers.connect()
