from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "rapport.cases"
    label = "cases"
    verbose_name = "Cases"

    def ready(self) -> None:
        from rapport.cases import panels
        from rapport.cases.receivers import on_inbound_received
        from rapport.interactions.signals import inbound_received

        inbound_received.connect(on_inbound_received, dispatch_uid="cases.thread_inbound")
        panels.register()
