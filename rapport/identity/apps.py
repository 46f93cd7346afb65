from django.apps import AppConfig


class IdentityConfig(AppConfig):
    name = "rapport.identity"
    label = "identity"
    verbose_name = "Identity resolution"

    def ready(self) -> None:
        from rapport.identity import receivers

        receivers.connect()
