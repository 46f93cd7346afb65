from django.apps import AppConfig


class SurveysConfig(AppConfig):
    name = "rapport.surveys"
    label = "surveys"
    verbose_name = "Surveys"

    def ready(self) -> None:
        from rapport.surveys import panels, receivers

        receivers.connect()
        panels.register()
