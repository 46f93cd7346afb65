"""The imports clock: enqueue the check for stalled import jobs every minute.

Procfile: `imports: python manage.py imports_watch`. A job whose worker was killed keeps its state
(running, or checking for a dry run) and stops beating; each tick enqueues it again, and it goes
on after the last batch that committed."""

from rapport.core.clock import ClockCommand
from rapport.imports.tasks import resume_stalled_imports


class Command(ClockCommand):
    help = "Enqueue the check for stalled import jobs every --every seconds."
    work = "the stalled-import check"
    default_every = 60.0

    def enqueue(self) -> str:
        return str(resume_stalled_imports.enqueue().id)
