"""Production: PostgreSQL, secrets from the environment, HTTPS everywhere."""

from config.env import env_bool, env_int, env_str

from .base import *  # noqa: F403

SECRET_KEY = env_str("SECRET_KEY")
DEBUG = False

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env_bool("RAPPORT_SSL_REDIRECT", True)
SECURE_HSTS_SECONDS = env_int("RAPPORT_HSTS_SECONDS", 31_536_000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = env_bool("RAPPORT_HSTS_PRELOAD", True)
SESSION_COOKIE_SECURE = env_bool("RAPPORT_SECURE_COOKIES", True)
CSRF_COOKIE_SECURE = env_bool("RAPPORT_SECURE_COOKIES", True)
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
