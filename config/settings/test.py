"""Settings for the test suite: SQLite in memory unless DATABASE_URL names another database."""

from config.env import env_str

from .base import *  # noqa: F403
from .base import DATABASES

if env_str("DATABASE_URL", "") == "":
    DATABASES["default"] = {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}
DATABASES["default"]["CONN_MAX_AGE"] = 0
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
AXES_FAILURE_LIMIT = 5
RAPPORT_DEMO_PASSWORD = "rapport-demo"  # noqa: S105 - the documented demo default
# Without this WhiteNoise reads every static file each time a test client loads the middleware.
WHITENOISE_AUTOREFRESH = True
RAPPORT_WEBHOOK_SECRETS = {
    "chat": "test-chat-secret",
    "sms": "test-sms-secret",
    "social": "test-social-secret",
    "phone": "test-phone-secret",
}
