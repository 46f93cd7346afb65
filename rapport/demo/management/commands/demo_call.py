"""Ring an agent's desktop in the demo: a known customer (or --unknown caller) calls, the switch
offers the call to the agent and the agent answers — the same events the phone switch sends."""

import random
import uuid

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from rapport.access.models import Touchpoint
from rapport.accounts.models import User
from rapport.customers.models import ContactPoint
from rapport.interactions import telephony


class Command(BaseCommand):
    help = "Offer a call to an agent's desktop (open /desk/ first, logged in as that agent)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("agent", help="Username of the agent, e.g. agent.")
        parser.add_argument(
            "--phone", default="", help="Caller's number; default: a demo customer's."
        )
        parser.add_argument("--unknown", action="store_true", help="A caller nobody knows yet.")

    def handle(self, *args, agent: str, phone: str, unknown: bool, **options) -> None:
        if not User.objects.filter(username=agent).exists():
            raise CommandError(f"No user '{agent}'.")
        caller = phone or self._caller(unknown)
        dialled = (
            Touchpoint.objects.filter(channel="phone").values_list("address", flat=True).first()
            or ""
        )
        call_id = f"demo-{uuid.uuid4()}"
        now = timezone.now()
        common = {"call_id": call_id, "ani": caller, "dnis": dialled, "agent": agent}
        result = telephony.call_events_record(
            events=[
                {
                    **common,
                    "event_id": f"{call_id}-1",
                    "kind": "ringing",
                    "occurred_at": now.isoformat(),
                },
                {
                    **common,
                    "event_id": f"{call_id}-2",
                    "kind": "answered",
                    "occurred_at": now.isoformat(),
                },
            ]
        )
        if result.rejected:
            raise CommandError("; ".join(r.message for r in result.rejected))
        self.stdout.write(
            f"{caller} is calling {agent} (call {call_id}); the desktop shows it within a second."
        )

    def _caller(self, unknown: bool) -> str:
        if unknown:
            return f"+1202555{random.randint(1000, 9999)}"
        numbers = ContactPoint.objects.filter(kind="phone", customer__erased_at__isnull=True)
        picked = numbers.order_by("?").values_list("normalised", flat=True).first()
        if picked is None:
            raise CommandError(
                "The demo has no customer with a phone number; load it with seed_demo."
            )
        return picked
