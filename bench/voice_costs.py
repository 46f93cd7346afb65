"""What listening to customers costs an inbound message, and how soon its alert fires.

Sends chat messages (a third of them negative, some with churn or complaint wording) from the demo
center's customers through the real `inbound_receive`, once with the insights receivers
(scoring, churn risk, alert rules) and once without, and prints the time per message both ways
and the delay from the message to its alert. Run it against a loaded demo database:

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/rapport_voice .venv/bin/python manage.py migrate -v0
    DATABASE_URL=... .venv/bin/python manage.py seed_demo
    DATABASE_URL=... .venv/bin/python bench/voice_costs.py --messages 400
"""

import argparse
import os
import random
import statistics
import sys
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")

import django

django.setup()

from django.utils import timezone  # noqa: E402

from rapport.customers.models import ContactPoint  # noqa: E402
from rapport.insights import receivers  # noqa: E402
from rapport.insights.models import Alert  # noqa: E402
from rapport.interactions.services import InboundMessage, inbound_receive  # noqa: E402
from rapport.interactions.signals import inbound_received  # noqa: E402

TEXTS = [
    "Hi, can you tell me when my next bill is due?",
    "Thanks, that sorted it. Have a nice day.",
    "I have been charged twice this month and I am still waiting for the refund.",
    "This is the third time I am contacting you, nobody called back. I want to cancel my account.",
    "I want to make a formal complaint, the engineer never came.",
    "Could you send me the new price list for the broadband plans?",
]


def send(phones: list[str], rng: random.Random, n: int) -> tuple[list[float], list[int]]:
    took, interactions = [], []
    for _ in range(n):
        message = InboundMessage(
            channel="chat",
            source="chat",
            conversation_id=uuid.uuid4().hex,
            message_id=uuid.uuid4().hex,
            sender_kind="phone",
            sender=rng.choice(phones),
            sent_at=timezone.now(),
            text=rng.choice(TEXTS),
        )
        start = time.perf_counter()
        received = inbound_receive(inbound=message)
        took.append((time.perf_counter() - start) * 1000)
        interactions.append(received.interaction.pk)
    return took, interactions


def summary(label: str, took: list[float]) -> None:
    ordered = sorted(took)
    p95 = ordered[int(0.95 * (len(ordered) - 1))]
    print(f"{label:<28} n={len(took):>5}  mean {statistics.fmean(took):6.1f} ms  "
          f"p50 {statistics.median(took):6.1f} ms  p95 {p95:6.1f} ms")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=400)
    args = parser.parse_args()
    rng = random.Random(6)
    phones = list(
        ContactPoint.objects.filter(kind="phone").values_list("normalised", flat=True)[:2000]
    )
    if not phones:
        sys.exit("No customers with a phone number: load the demo first (manage.py seed_demo).")
    send(phones, rng, 20)  # warm-up

    inbound_received.disconnect(dispatch_uid="insights.inbound")
    without, _ = send(phones, rng, args.messages)
    receivers.connect()
    with_insights, ids = send(phones, rng, args.messages)

    summary("without insights", without)
    summary("with scoring and alerts", with_insights)
    delays = [
        (alert.fired_at - alert.interaction.started_at).total_seconds()
        for alert in Alert.objects.filter(interaction_id__in=ids).select_related("interaction")
    ]
    if delays:
        print(f"alerts: {len(delays)} of {len(ids)} messages, delay from message to alert "
              f"max {max(delays):.2f} s, median {statistics.median(delays):.2f} s")  # fmt: skip


if __name__ == "__main__":
    main()
