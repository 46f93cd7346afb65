"""Cases listen to the ledger: every inbound contact is threaded into its case as it is stored."""

from rapport.cases import services


def on_inbound_received(sender, *, interaction, message, created, **kwargs) -> None:
    services.thread_inbound(interaction=interaction, message=message, created=created)
