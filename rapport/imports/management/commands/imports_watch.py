"""The imports clock: enqueue the check for stalled import jobs every minute, and the deletion of
old import files (see RAPPORT_IMPORT_FILES_KEEP_DAYS).

Procfile: `imports: python manage.py imports_watch`. A job whose worker was killed keeps its state
(running, or checking for a dry run) and stops beating; each tick enqueues it again, and it goes
on after the last batch that committed."""

from rapport.core.clock import ClockCommand
from rapport.imports.tasks import forget_old_import_files, resume_stalled_imports


class Command(ClockCommand):
    help = "Enqueue the check for stalled import jobs and old files every --every seconds."
    work = "the stalled-import check and the old-file deletion"
    default_every = 60.0

    def enqueue(self) -> str:
        ids = (resume_stalled_imports.enqueue().id, forget_old_import_files.enqueue().id)
        return ", ".join(str(i) for i in ids)
