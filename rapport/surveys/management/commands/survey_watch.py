"""The survey clock: enqueue the surveys tick and the alerts sweep every minute for the
workers to run.

Procfile: `surveys: python manage.py survey_watch --every 60`. Each tick draws the handled
contacts nobody drew yet (imports, contacts never wrapped up), sends queued invitations and
expires old links. It also sweeps the last hours of contacts nobody wrapped up yet for alerts:
phone calls are written by the switch without the ledger's signals, so until wrap-up only the
sweep sees, for example, a call transferred twice."""

from rapport.core.clock import ClockCommand
from rapport.insights.tasks import alerts_sweep
from rapport.surveys.tasks import surveys_tick

# Hours of contacts each tick sweeps for alerts: far more than a tick, so a stopped clock or a
# busy worker catches up, yet small enough to stay cheap every minute.
ALERTS_LOOKBACK_HOURS = 2


class Command(ClockCommand):
    help = (
        "Enqueue the surveys tick (sweep, send, expire) and the alerts sweep every --every "
        "seconds until stopped."
    )
    work = "the surveys tick and the alerts sweep"
    default_every = 60.0

    def enqueue(self) -> str:
        tick = surveys_tick.enqueue()
        sweep = alerts_sweep.enqueue(hours=ALERTS_LOOKBACK_HOURS, unwrapped_only=True)
        return f"{tick.id}, {sweep.id}"
