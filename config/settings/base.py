"""Settings shared by every environment. Defaults run on one machine with SQLite."""

from pathlib import Path

import dj_database_url

from config.env import env_bool, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent.parent

SECRET_KEY = env_str("SECRET_KEY", "dev-only-insecure-key-change-me-for-anything-real-0123456789")
DEBUG = env_bool("RAPPORT_DEBUG", False)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")
CSRF_TRUSTED_ORIGINS = env_list("RAPPORT_CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_htmx",
    "simple_history",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_tasks",
    "django_tasks_db",
    "rapport.core",
    "rapport.ui",
    "rapport.accounts",
    "rapport.customers",
    "rapport.access",
    "rapport.interactions",
    "rapport.cases",
    "rapport.insights",
    "rapport.surveys",
    "rapport.performance",
    "rapport.briefings",
    "rapport.learning",
    "rapport.imports",
    "rapport.identity",
    "rapport.workspace",
    "rapport.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "rapport.core.middleware.RejectNullCharactersMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "rapport.accounts.middleware.RequireSecondFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "rapport.ui.middleware.ApplicationErrorMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "rapport.ui.context_processors.navigation",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", f"sqlite:///{BASE_DIR / 'var' / 'rapport.sqlite3'}"),
        conn_max_age=env_int("RAPPORT_CONN_MAX_AGE", 60),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the web process read while the worker writes.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home"  # each role starts where its work is
LOGOUT_REDIRECT_URL = "accounts:login"

LANGUAGE_CODE = "en"
TIME_ZONE = env_str("RAPPORT_TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "var" / "static"
MEDIA_ROOT = BASE_DIR / "var" / "media"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

SESSION_ENGINE = "django.contrib.sessions.backends.db"

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rapport.accounts.authentication.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "rapport.core.pagination.PageNumberPagination",
    "PAGE_SIZE": 25,
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "rapport.core.api.exception_handler",
    "UNAUTHENTICATED_USER": None,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Rapport API",
    "DESCRIPTION": "Customers, people and contacts of a Rapport customer-service center.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "rapport.core.api.add_error_responses",
    ],
    "ENUM_NAME_OVERRIDES": {
        "AgentStateEnum": "rapport.accounts.choices.AgentState",
        "CustomerKindEnum": "rapport.customers.choices.CustomerKind",
        "ContactKindEnum": "rapport.customers.choices.ContactKind",
        "CustomerStatusEnum": "rapport.customers.choices.CustomerStatus",
        "HoldingStatusEnum": "rapport.customers.choices.HoldingStatus",
        "CaseStatusEnum": "rapport.cases.choices.CaseStatus",
        "ChannelEnum": "rapport.access.choices.Channel",
        "ImportStatusEnum": "rapport.interactions.choices.ImportStatus",
        "CallEventKindEnum": "rapport.interactions.choices.CallEventKind",
        "GoalStatusEnum": "rapport.performance.choices.GoalStatus",
        "EvaluationStatusEnum": "rapport.performance.choices.EvaluationStatus",
        "KudosKindEnum": "rapport.performance.choices.KudosKind",
        "KpiKindEnum": "rapport.performance.choices.KpiKind",
        "FigureStateEnum": "rapport.performance.api.serializers_scorecards.STATES",
        "AnswerEnum": "rapport.performance.choices.Answer",
        "GamingFlagStateEnum": "rapport.surveys.choices.FlagState",
        "GamingCheckEnum": "rapport.surveys.choices.GamingCheck",
        "GamingReviewDecisionEnum": "rapport.surveys.api.gaming.REVIEW_DECISIONS",
        "AlertStateEnum": "rapport.insights.choices.AlertState",
        "RecoveryOutcomeEnum": "rapport.insights.choices.RecoveryOutcome",
        "SeverityEnum": "rapport.insights.choices.Severity",
        "IntentEnum": "rapport.insights.choices.Intent",
        "SentimentEnum": "rapport.insights.choices.Sentiment",
        "RiskBandEnum": "rapport.insights.choices.RiskBand",
        "OutcomeEnum": "rapport.interactions.choices.Outcome",
        "BriefingProgressEnum": "rapport.briefings.api.briefings.PROGRESS",
        "PollStatusEnum": "rapport.briefings.choices.PollStatus",
        "PollQuestionKindEnum": "rapport.briefings.choices.PollQuestionKind",
        "AssignmentSourceEnum": "rapport.learning.choices.AssignmentSource",
        "InteractionSourceEnum": "rapport.interactions.choices.Source",
        "ImportJobStateEnum": "rapport.imports.choices.JobState",
        "ImportPhaseEnum": "rapport.imports.choices.Phase",
        "ImportFileFormatEnum": "rapport.imports.choices.FileFormat",
        "ImportEncodingEnum": "rapport.imports.choices.Encoding",
        "ImportDateFormatEnum": "rapport.imports.choices.DateFormat",
        "MatchPairStatusEnum": "rapport.identity.choices.PairStatus",
        "MatchEngineEnum": "rapport.identity.choices.FoundBy",
    },
}

TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

AXES_FAILURE_LIMIT = env_int("RAPPORT_LOGIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = 0.25  # hours: a locked-out user may try again after 15 minutes
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False
AXES_LOCKOUT_CALLABLE = "rapport.accounts.lockout.lockout_response"

OTP_TOTP_ISSUER = "Rapport"

# History is read one record at a time (by its id), never by date across records: an index on
# history_date would cost every write, bulk imports most of all, and serve no query.
SIMPLE_HISTORY_DATE_INDEX = False

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "script-src": ["'self'"],
    }
}

# Rapport's own settings
RAPPORT_DEFAULT_REGION = env_str("RAPPORT_DEFAULT_REGION", "US")
RAPPORT_DEMO_PASSWORD = env_str("RAPPORT_DEMO_PASSWORD", "rapport-demo")
RAPPORT_LIST_COUNT_CAP = env_int("RAPPORT_LIST_COUNT_CAP", 10_000)
# Below this many observations a rate shows "not enough data" (GLOSSARY.md, honest numbers).
RAPPORT_MIN_N_RATES = env_int("RAPPORT_MIN_N_RATES", 30)

# Mail in: the listener (SMTP, or LMTP for a mail server that hands over local delivery) and IMAP.
RAPPORT_MAIL_HOST = env_str("RAPPORT_MAIL_HOST", "127.0.0.1")
RAPPORT_MAIL_PORT = env_int("RAPPORT_MAIL_PORT", 2525)
RAPPORT_MAIL_PROTOCOL = env_str("RAPPORT_MAIL_PROTOCOL", "smtp")  # smtp or lmtp
RAPPORT_MAIL_MAX_BYTES = env_int("RAPPORT_MAIL_MAX_BYTES", 25 * 1024 * 1024)
RAPPORT_IMAP_HOST = env_str("RAPPORT_IMAP_HOST", "")
RAPPORT_IMAP_PORT = env_int("RAPPORT_IMAP_PORT", 993)
RAPPORT_IMAP_USER = env_str("RAPPORT_IMAP_USER", "")
RAPPORT_IMAP_PASSWORD = env_str("RAPPORT_IMAP_PASSWORD", "")
RAPPORT_IMAP_FOLDER = env_str("RAPPORT_IMAP_FOLDER", "INBOX")
RAPPORT_IMAP_SSL = env_bool("RAPPORT_IMAP_SSL", True)
RAPPORT_IMAP_POLL_SECONDS = env_int("RAPPORT_IMAP_POLL_SECONDS", 60)
# Imports: an uploaded file and the refused rows' text (customer data) are deleted this many days
# after the job finished, or after it was last touched when it was never run.
RAPPORT_IMPORT_FILES_KEEP_DAYS = env_int("RAPPORT_IMPORT_FILES_KEEP_DAYS", 90)
# Mail out: Django's SMTP backend (EMAIL_HOST, EMAIL_PORT …); replies come from this address.
RAPPORT_MAIL_FROM = env_str("RAPPORT_MAIL_FROM", "service@rapport.example")
RAPPORT_MAIL_DOMAIN = env_str("RAPPORT_MAIL_DOMAIN", "rapport.example")
EMAIL_HOST = env_str("RAPPORT_SMTP_HOST", "127.0.0.1")
EMAIL_PORT = env_int("RAPPORT_SMTP_PORT", 25)
EMAIL_HOST_USER = env_str("RAPPORT_SMTP_USER", "")
EMAIL_HOST_PASSWORD = env_str("RAPPORT_SMTP_PASSWORD", "")
EMAIL_USE_TLS = env_bool("RAPPORT_SMTP_TLS", False)
EMAIL_TIMEOUT = 30
# Chat, SMS, social webhooks and phone-switch events are HMAC-signed with one secret per channel,
# e.g. RAPPORT_WEBHOOK_SECRET_CHAT; a channel without a secret refuses every delivery.
RAPPORT_WEBHOOK_SECRETS = {
    channel: env_str(f"RAPPORT_WEBHOOK_SECRET_{channel.upper()}", "")
    for channel in ("chat", "sms", "social", "phone")
}
RAPPORT_WEBHOOK_MAX_SKEW_SECONDS = env_int("RAPPORT_WEBHOOK_MAX_SKEW_SECONDS", 300)
# Survey invitations by SMS: POST {to, text} as JSON, signed like the SMS webhook; "" = no SMS.
RAPPORT_SMS_GATEWAY_URL = env_str("RAPPORT_SMS_GATEWAY_URL", "")
# How many trusted proxies (TLS terminator, load balancer) stand in front of gunicorn, each adding
# the address it saw to X-Forwarded-For; 0 = visitors connect directly. Survey answers are checked
# for clustering by the visitor's network, which behind a proxy only this reveals.
RAPPORT_PROXY_COUNT = env_int("RAPPORT_PROXY_COUNT", 0)
# Where customers reach this Rapport (survey links); "" = the first trusted origin.
RAPPORT_PUBLIC_URL = env_str("RAPPORT_PUBLIC_URL", "")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("RAPPORT_LOG_LEVEL", "INFO")},
}
