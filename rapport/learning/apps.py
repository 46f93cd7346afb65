from django.apps import AppConfig


class LearningConfig(AppConfig):
    name = "rapport.learning"
    label = "learning"
    verbose_name = "Learning"

    def ready(self) -> None:
        from rapport.learning import receivers  # noqa: F401 - connects the signal receivers
