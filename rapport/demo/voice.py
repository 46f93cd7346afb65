"""The voice of the customer in the demo center: what customers said on every contact, scored;
the survey draw over six months with invitations and answers; customers' churn risk; alerts on
negative interactions worked to closure; and three agents who game their surveys.

Written straight to the tables like the rest of the demo load, after the ledger and the people
side: running the services contact by contact would take minutes and audit every row as if a
person had just done it. The decisions themselves come from the product's own functions (the
text scorer, the draw's ticket and exclusion rules, the alert rules' wording, the churn risk
components, the gaming checks), so the demo shows what the product would have recorded.

The agents who game (the first agent by user name in each team, so the same seed picks the same
people; `gamers_find` names them and `demo_logins` prints them):
- in Northside, one asks customers for a 10 in their chat, SMS and social replies (survey begging);
- in Harbour, one answers many of their own invitations from one phone on one network, always top
  marks (answers clustered on one device and network);
- in Riverside, one scores far above what their mix of contacts predicts, often while the
  customer's own words were negative (improbable distribution, scores that contradict the words).
"""

import datetime
import random
from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Any

from rapport.demo import bulk, phrases, voice_alerts, voice_surveys
from rapport.demo.voice_ledger import Gamers, Ledger, gamers_find, handled_at, ledger_read
from rapport.insights import catalog as insights_catalog
from rapport.insights.models import InteractionSignal
from rapport.insights.text import TextScore, text_score
from rapport.interactions.choices import Side
from rapport.interactions.models import Message
from rapport.surveys import catalog as surveys_catalog

Stage = Callable[[str], AbstractContextManager[None]]

SIGNAL_FIELDS = (
    "id", "interaction_id", "customer_id", "day", "channel", "compound", "sentiment", "intents",
    "topics", "explanation", "words", "scored_at",
)  # fmt: skip
SIGNAL_JSON = ("intents", "topics", "explanation")
MESSAGE_FIELDS = (
    "id", "interaction_id", "side", "author_id", "body_text", "body_html", "sent_at",
    "external_id", "is_note",
)  # fmt: skip
# Share of the begging agent's written replies that ask for a score.
BEGGING_SHARE = 0.3
WRITTEN_REPLIES = frozenset({"chat", "sms", "social"})


def voice_load(*, seed: int, reference_time: datetime.datetime, stage: Stage) -> dict[str, int]:
    """Load the voice-of-the-customer side of the demo; returns what was made, by kind."""
    surveys_catalog.defaults_ensure()
    insights_catalog.defaults_ensure()
    rng = random.Random(f"{seed}:voice")
    gamers = gamers_find()
    made = _from_the_ledger(rng, seed, gamers, reference_time, stage)
    # After the ledger's hundred thousand rows are let go: the checks' statistics collect
    # garbage on every call, and each collection walks every live object.
    with stage("voice: gaming checks"):
        made["flags"] = voice_surveys.gaming_load(reference_time)
    return made


def _from_the_ledger(
    rng: random.Random, seed: int, gamers: Gamers, reference_time: datetime.datetime, stage: Stage
) -> dict[str, int]:
    made: dict[str, int] = {}
    with stage("voice: survey begging"):
        made["begging"] = begging_add(rng, gamers)
    with stage("voice: customer words scored"):
        ledger = ledger_read()
        made["signals"] = signals_load(ledger)
    with stage("voice: survey draw and answers"):
        made.update(voice_surveys.surveys_load(rng, seed, ledger, gamers, reference_time))
    with stage("voice: churn risk"):
        made["churn"] = voice_alerts.churn_load(ledger, reference_time)
    with stage("voice: alerts and recovery"):
        made.update(voice_alerts.alerts_load(rng, ledger, reference_time))
    return made


# --- What customers said -----------------------------------------------------------------------


def signals_load(ledger: Ledger) -> int:
    """One InteractionSignal per contact with customer words, as `interaction_score` would write
    it. Demo texts repeat, so each distinct text is scored (and its JSON adapted) once. Contacts
    the live receivers scored already (the load's few contacts sent through the services) keep
    their row."""
    live = set(InteractionSignal.objects.values_list("interaction_id", flat=True))
    cache: dict[str, tuple[TextScore, Any, Any, Any]] = {}
    rows: list[tuple] = []
    next_id = bulk.next_id(InteractionSignal)
    for contact in ledger.contacts:
        text = ledger.texts.get(contact.id)
        if not text:
            continue
        if text not in cache:
            score = text_score(text)
            cache[text] = (
                score,
                *(
                    bulk.db_value(InteractionSignal, name, getattr(score, name))
                    for name in SIGNAL_JSON
                ),
            )
        score, intents, topics, explanation = cache[text]
        ledger.scores[contact.id] = score
        if contact.id in live:
            continue
        rows.append(
            (
                next_id + len(rows), contact.id, contact.customer_id, contact.day,
                contact.channel, score.compound, score.sentiment, intents, topics, explanation,
                score.words, handled_at(contact),
            )
        )  # fmt: skip
    bulk.rows_insert(InteractionSignal, SIGNAL_FIELDS, rows, prepared=SIGNAL_JSON)
    bulk.sequences_reset(InteractionSignal)
    return len(rows)


# --- The agent who begs for scores ------------------------------------------------------------


def begging_add(rng: random.Random, gamers: Gamers) -> int:
    """After replying, the begging agent asks for a 10 on some of their chats, SMS and posts."""
    agent = gamers.begging
    if agent is None:
        return 0
    replies = (
        Message.objects.filter(
            interaction__agent=agent,
            interaction__channel__in=WRITTEN_REPLIES,
            side=Side.AGENT,
            author=agent,
            is_note=False,
        )
        .order_by("id")
        .values_list("interaction_id", "sent_at")
    )
    next_id = bulk.next_id(Message)
    rows: list[tuple] = []
    for interaction_id, sent_at in replies:
        if rng.random() < BEGGING_SHARE:
            text = rng.choice(phrases.SURVEY_BEGGING)
            at = sent_at + datetime.timedelta(seconds=rng.randint(20, 90))
            rows.append(
                (next_id + len(rows), interaction_id, Side.AGENT, agent.pk, text, "", at, "", False)
            )
    bulk.rows_insert(Message, MESSAGE_FIELDS, rows)
    bulk.sequences_reset(Message)
    return len(rows)
