"""Settings for a worker process that the resume tests start and kill: the base settings (the
database from DATABASE_URL, tasks in the database), the uploaded files in the folder the test
names, and small batches so that a kill lands part way through an import."""

from config.env import env_str
from config.settings.base import *  # noqa: F403

_FILES: dict = {
    "BACKEND": "django.core.files.storage.FileSystemStorage",
    "OPTIONS": {"location": env_str("RAPPORT_TEST_MEDIA_ROOT")},
}
STORAGES = {
    "default": _FILES,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
RAPPORT_IMPORT_BATCH_ROWS = 50
