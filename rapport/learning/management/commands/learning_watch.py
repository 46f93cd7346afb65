"""The learning clock: enqueue the learning tick every five minutes for the workers to run.

Procfile: `learning: python manage.py learning_watch`. Each tick assigns modules from measured
gaps and new-hire paths, delivers published briefings to people newly in their audience and sends
the reminders that are due (overdue ones also reach the supervisor)."""

from rapport.core.clock import ClockCommand
from rapport.learning.tasks import learning_tick


class Command(ClockCommand):
    help = "Enqueue the learning tick (gaps, paths, briefing deliveries, reminders) every --every seconds."
    work = "the learning tick"
    default_every = 300.0

    def enqueue(self) -> str:
        return str(learning_tick.enqueue().id)
