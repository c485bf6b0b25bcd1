"""Rondom settings: one module, driven by the environment.

Defaults are safe for the embedded demo (`make run`, SQLite in ./var). Production sets at least
RONDOM_SECRET_KEY, RONDOM_FIELD_KEYS, RONDOM_ALLOWED_HOSTS, DATABASE_URL and RONDOM_SECURE=1
(see docs/production.md).
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF
from django.utils.translation import gettext_lazy as _

from rondom.config.scopes import oauth_scopes

SRC_DIR = Path(__file__).resolve().parent.parent  # src/rondom
BASE_DIR = SRC_DIR.parent.parent  # repository root
VAR_DIR = Path(os.environ.get("RONDOM_VAR_DIR", BASE_DIR / "var"))


def env_bool(name: str, default: bool = False) -> bool:
    return os.environ.get(name, "1" if default else "0").lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("RONDOM_DEBUG")
SECURE = env_bool("RONDOM_SECURE")  # production behind TLS

# The demo key is only acceptable when not running securely; production refuses to start without one.
_DEMO_SECRET = "rondom-demo-only-not-secret-0f6a3c1e9b2d4a7f8e5c"
SECRET_KEY = os.environ.get("RONDOM_SECRET_KEY", "" if SECURE else _DEMO_SECRET)
if not SECRET_KEY:
    raise RuntimeError("RONDOM_SECRET_KEY must be set when RONDOM_SECURE=1")

# Fernet keys for encrypted fields (BSN). First key encrypts, all keys decrypt (rotation).
_DEMO_FIELD_KEY = "ZGVtby1vbmx5LWZpZWxkLWtleS1yb25kb20tMDAwMDA="
FIELD_ENCRYPTION_KEYS = env_list("RONDOM_FIELD_KEYS", "" if SECURE else _DEMO_FIELD_KEY)
if not FIELD_ENCRYPTION_KEYS:
    raise RuntimeError("RONDOM_FIELD_KEYS must be set when RONDOM_SECURE=1")

ALLOWED_HOSTS = env_list("RONDOM_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")
_LOCAL_HOSTS = {"127.0.0.1", "localhost", "testserver", "::1"}
if set(ALLOWED_HOSTS) - _LOCAL_HOSTS and (SECRET_KEY == _DEMO_SECRET or _DEMO_FIELD_KEY in FIELD_ENCRYPTION_KEYS):
    raise RuntimeError("The demo keys only serve localhost: set RONDOM_SECRET_KEY and RONDOM_FIELD_KEYS.")
# Key of the BSN blind index (finding a child by BSN without decrypting). Rotating it needs `reencrypt_bsn`.
BSN_INDEX_KEY = os.environ.get("RONDOM_BSN_INDEX_KEY", SECRET_KEY)
CSRF_TRUSTED_ORIGINS = env_list("RONDOM_CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_htmx",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "axes",
    "csp",
    "django_tasks_db",
    "oauth2_provider",
    "rondom.config.apps.RondomConfig",  # strict JSON types in the API (rondom.config.strict_json)
    "rondom.accounts",
    "rondom.registry",
    "rondom.consent",
    "rondom.access",
    "rondom.audit",
    "rondom.cases",
    "rondom.retention",
    "rondom.notifications",
    "rondom.attendance",
    "rondom.thuiszitters",
    "rondom.portal",
    "rondom.funding",
    "rondom.feedback",
    "rondom.monitoring",
    "rondom.schoolcalendar",
    "rondom.roster",
    "rondom.apiclients",
    "rondom.opp",
    "rondom.swv",
    "rondom.transfers",
    "rondom.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "rondom.config.logging.RequestLogMiddleware",
    "rondom.config.middleware.NoStoreMiddleware",
    "rondom.config.middleware.ApiErrorBodyMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "rondom.config.middleware.SessionRenewalMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "rondom.accounts.middleware.RequireTwoFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "axes.middleware.AxesMiddleware",
    "django_ratelimit.middleware.RatelimitMiddleware",
    "rondom.config.middleware.IntegrityConflictMiddleware",
]

ROOT_URLCONF = "rondom.config.urls"
WSGI_APPLICATION = "rondom.config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [SRC_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "rondom.accounts.context_processors.roles",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{VAR_DIR / 'rondom.sqlite3'}"),
        conn_max_age=int(os.environ.get("RONDOM_DB_CONN_MAX_AGE", "60")),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the web server and the worker share the file; a busy timeout instead of "database is locked".
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    # Tests run on a file too (one per process), not on Django's shared in-memory database: that one locks whole
    # tables between connections, so tests of concurrent writers (threads, each with its own connection) could not
    # run on SQLite at all. A file behaves as production's SQLite does (WAL, busy timeout, IMMEDIATE writes).
    DATABASES["default"]["TEST"] = {
        "NAME": os.environ.get(
            "RONDOM_TEST_SQLITE", str(Path(tempfile.gettempdir()) / f"rondom-test-{os.getpid()}.sqlite3")
        )
    }
# A read replica (PostgreSQL streaming replication) for the monitoring, its API and the research export: reads done
# inside rondom.dbrouting.reading_from_replica() go there, everything else (every write, the access log, who may see
# what) stays on "default". Unset: one database, nothing changes (docs/production.md, "Read replica").
if os.environ.get("DATABASE_REPLICA_URL"):
    DATABASES["replica"] = dj_database_url.parse(
        os.environ["DATABASE_REPLICA_URL"], conn_max_age=int(os.environ.get("RONDOM_DB_CONN_MAX_AGE", "60"))
    )
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}  # tests never build a second database
DATABASE_ROUTERS = ["rondom.dbrouting.ReplicaRouter"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    # Counts a password try atomically *before* ModelBackend compares it (docs/security.md, verification steps).
    "rondom.accounts.verification.PasswordAttemptBackend",
    "django.contrib.auth.backends.ModelBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "registry:child-list"
LOGOUT_REDIRECT_URL = "accounts:login"

# Sessions: idle expiry after 30 minutes, gone when the browser closes.
SESSION_COOKIE_AGE = int(os.environ.get("RONDOM_SESSION_SECONDS", "1800"))
# Renewed at most once a minute (not written on every request): config.middleware.SessionRenewalMiddleware.
SESSION_SAVE_EVERY_REQUEST = False
SESSION_RENEW_SECONDS = int(os.environ.get("RONDOM_SESSION_RENEW_SECONDS", "60"))
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True

# Lockout after repeated failed logins (django-axes) and a per-address rate limit (django-ratelimit).
AXES_FAILURE_LIMIT = int(os.environ.get("RONDOM_LOGIN_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = 0.25  # hours
# Lock per account, not per address: many school staff share one NAT address; per-address limiting is
# django-ratelimit's job below.
AXES_LOCKOUT_PARAMETERS = ["username"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "rondom.accounts.views.locked_out"
AXES_VERBOSE = False
LOGIN_RATE_LIMIT = os.environ.get("RONDOM_LOGIN_RATE", "20/m")
# Verification steps (the professionals' TOTP code, the families' e-mail code): attempts per code or device,
# counted atomically before each comparison, and a cool-off after which a device may be tried again.
VERIFY_ATTEMPTS = int(os.environ.get("RONDOM_VERIFY_ATTEMPTS", "5"))
VERIFY_COOLOFF_MINUTES = int(os.environ.get("RONDOM_VERIFY_COOLOFF_MINUTES", "15"))
# Rate limits per account on the verification steps and on "send a new code" (django-ratelimit; answer 429).
VERIFY_RATE_LIMIT = os.environ.get("RONDOM_VERIFY_RATE", "10/m")
NEW_CODE_RATE_LIMIT = os.environ.get("RONDOM_NEW_CODE_RATE", "3/10m")
RATELIMIT_VIEW = "rondom.accounts.views.rate_limited"

OTP_TOTP_ISSUER = "Rondom"

# Security headers. HSTS and secure cookies in production (RONDOM_SECURE=1).
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if SECURE:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = env_bool("RONDOM_SSL_REDIRECT", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = int(os.environ.get("RONDOM_HSTS_SECONDS", "31536000"))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_NAME = "__Host-sessionid"
    CSRF_COOKIE_NAME = "__Host-csrftoken"

# Strict Content-Security-Policy: no inline scripts or styles, nothing from other hosts.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    },
}

LANGUAGE_CODE = "nl"
LANGUAGES = [("nl", _("Dutch")), ("en", _("English"))]
LOCALE_PATHS = [SRC_DIR / "locale"]
TIME_ZONE = "Europe/Amsterdam"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
_NODE = BASE_DIR / "node_modules"
STATICFILES_DIRS = [
    SRC_DIR / "static",
    ("vendor/utrecht", _NODE / "@utrecht" / "component-library-css" / "dist"),
    ("vendor/utrecht-tokens", _NODE / "@utrecht" / "design-tokens" / "dist"),
    ("vendor/htmx", _NODE / "htmx.org" / "dist"),
    ("vendor/chartjs", _NODE / "chart.js" / "dist"),
]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = DEBUG

REST_FRAMEWORK = {
    # Browser sessions, and machine clients with an OAuth2 client-credentials token (rondom.apiclients; the
    # permission rondom.accounts.permissions.IsVerifiedUser then asks the view's `required_scopes`).
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rondom.apiclients.authentication.SessionAuthentication",  # DRF's; a Bearer 401 challenge for a bad token
        "rondom.apiclients.authentication.ClientTokenAuthentication",
    ],
    # A rate limit per machine client (API_CLIENT_RATE); browser sessions are not throttled by it.
    "DEFAULT_THROTTLE_CLASSES": ["rondom.apiclients.throttling.ApiClientRateThrottle"],
    "DEFAULT_PERMISSION_CLASSES": ["rondom.accounts.permissions.IsVerifiedUser"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "rondom.config.api.exception_handler",
    # The API reads JSON only, bounded in size and depth (rondom.config.parsers); another media type answers
    # 415. (Form encoding would read a missing boolean as false and "0" as a boolean, unlike the schema.)
    "DEFAULT_PARSER_CLASSES": ["rondom.config.parsers.BoundedJSONParser"],
    # Every list across children or organisations answers pages of PAGE_SIZE (rondom.config.pagination).
    "DEFAULT_PAGINATION_CLASS": "rondom.config.pagination.Pagination",
    "PAGE_SIZE": 50,
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
# Limits on API bodies (rondom.config.parsers): a larger or deeper JSON body answers 400.
API_JSON_MAX_BYTES = int(os.environ.get("RONDOM_API_JSON_MAX_BYTES", str(1_000_000)))
API_JSON_MAX_DEPTH = int(os.environ.get("RONDOM_API_JSON_MAX_DEPTH", "32"))
# A second identical create by the same person within this many seconds returns the first (double submits).
DOUBLE_SUBMIT_SECONDS = int(os.environ.get("RONDOM_DOUBLE_SUBMIT_SECONDS", "60"))
SPECTACULAR_SETTINGS = {
    "TITLE": "Rondom API",
    "DESCRIPTION": "Eén kind, één gezin, één plan. Every endpoint that serves a child's data goes "
    "through the access policy and writes a NEN 7513 access-log row.",
    "VERSION": "0.1.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # Machine clients: OAuth2 client credentials (rondom.apiclients.schema names each operation's scopes).
    "OAUTH2_FLOWS": ["clientCredentials"],
    "OAUTH2_TOKEN_URL": "/api/oauth/token/",
    "OAUTH2_SCOPES": oauth_scopes(),
    # Every operation documents the error answers it can give (400/403/404/409/415/429, schema Error).
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "rondom.config.openapi.add_error_responses",
    ],
    "ENUM_NAME_OVERRIDES": {
        "DataCategoryEnum": "rondom.core.categories.DataCategory",
        "CapacityEnum": "rondom.consent.models.Capacity",
        "HelpRequestKindEnum": "rondom.cases.models.HelpRequest.Kind",
        "ThuiszitterKindEnum": "rondom.thuiszitters.models.ThuiszitterKind",
        "ProfessionalRoleEnum": "rondom.core.roles.Role",
    },
}

# Machine clients on the API (issue 15, part 5; docs/api-clients.md): OAuth2 client credentials only, secrets
# hashed, tokens short-lived and without refresh; the scopes are the one table rondom.config.scopes.
OAUTH2_PROVIDER = {
    "SCOPES": oauth_scopes(),
    "DEFAULT_SCOPES": [],
    "OAUTH2_VALIDATOR_CLASS": "rondom.apiclients.oauth.ClientCredentialsValidator",
    "ACCESS_TOKEN_EXPIRE_SECONDS": int(os.environ.get("RONDOM_API_TOKEN_SECONDS", "3600")),
    "ALLOWED_REDIRECT_URI_SCHEMES": ["https"],
    "PKCE_REQUIRED": True,
    "REQUEST_APPROVAL_PROMPT": "force",
}
# DOT's own application model (a custom one would have to be set before oauth2_provider's first migration).
OAUTH2_PROVIDER_APPLICATION_MODEL = "oauth2_provider.Application"
# Calls per machine client (DRF throttle, 429 in Dutch) and token requests per address and per client id.
API_CLIENT_RATE = os.environ.get("RONDOM_API_CLIENT_RATE", "600/m")
API_TOKEN_RATE_LIMIT = os.environ.get("RONDOM_API_TOKEN_RATE", "20/m")
# Absence records in one POST /api/absence/ (a larger batch answers 400; a school system sends a day or a week).
API_ABSENCE_MAX_RECORDS = int(os.environ.get("RONDOM_API_ABSENCE_MAX_RECORDS", "10000"))

# Background worker (django-tasks with the database backend: the embedded default stays one file).
TASKS = {
    "default": {
        "BACKEND": os.environ.get("RONDOM_TASKS_BACKEND", "django_tasks_db.DatabaseBackend"),
        "QUEUES": ["default"],
    }
}

SILENCED_SYSTEM_CHECKS = ["axes.W006"]  # see AXES_LOCKOUT_PARAMETERS
# Login rate limiting needs a shared cache in production (REDIS_URL); the embedded demo runs one process.
if os.environ.get("REDIS_URL"):
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": os.environ["REDIS_URL"]}
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    SILENCED_SYSTEM_CHECKS += ["django_ratelimit.E003", "django_ratelimit.W001"]

# --- Domain configuration -------------------------------------------------------------------------
# Emergency access ("noodknop"): how long it lasts and the minimum length of the written reason.
EMERGENCY_ACCESS_HOURS = int(os.environ.get("RONDOM_EMERGENCY_ACCESS_HOURS", "4"))
EMERGENCY_REASON_MIN_LENGTH = 20
# The reason must be real words: at least this many words of two or more letters (issue 12, finding 2).
EMERGENCY_REASON_MIN_WORDS = int(os.environ.get("RONDOM_EMERGENCY_REASON_MIN_WORDS", "4"))
# How often one person may press the emergency button: within any 60 minutes, and within any 24 hours.
# Counted from the emergency-access records themselves (not a cache), so every process sees the same count.
EMERGENCY_PER_HOUR = int(os.environ.get("RONDOM_EMERGENCY_PER_HOUR", "3"))
EMERGENCY_PER_DAY = int(os.environ.get("RONDOM_EMERGENCY_PER_DAY", "5"))
# The support team decides on a request for help within this many working days (samenwerkingsverbanden: 5).
CASE_DECISION_WORKING_DAYS = int(os.environ.get("RONDOM_CASE_DECISION_WORKING_DAYS", "5"))
#: Working days (on the holiday calendar) within which the samenwerkingsverband decides a request (rondom.swv;
#: docs/swv.md). An arrangement must start within SWV_ARRANGEMENT_START_WEEKS of the decision; its expiry comes up
#: SWV_EXPIRY_NOTICE_DAYS before it lapses.
SWV_DECISION_WORKING_DAYS = int(os.environ.get("RONDOM_SWV_DECISION_WORKING_DAYS", "5"))
SWV_ARRANGEMENT_START_WEEKS = 8
SWV_EXPIRY_NOTICE_DAYS = 42
# Signals one person may file in a calendar day: a family member, and a professional (a whole class's worth).
SIGNAL_DAILY_LIMIT_FAMILY = int(os.environ.get("RONDOM_SIGNAL_DAILY_LIMIT_FAMILY", "5"))
SIGNAL_DAILY_LIMIT = int(os.environ.get("RONDOM_SIGNAL_DAILY_LIMIT", "40"))
# The calendar (docs/calendar.md). Bevrijdingsdag (5 May) is a day off "yearly", every fifth year ("lustrum":
# 2025, 2030, ...; the national rule since 1990) or "never": CAOs differ, so working-day deadlines and school days
# each have their own setting. A school without its own holiday region uses this one (Zwolle is in regio noord).
LIBERATION_DAY_WORK = os.environ.get("RONDOM_LIBERATION_DAY_WORK", "lustrum")
LIBERATION_DAY_SCHOOL = os.environ.get("RONDOM_LIBERATION_DAY_SCHOOL", "lustrum")
SCHOOL_HOLIDAY_REGION = os.environ.get("RONDOM_SCHOOL_HOLIDAY_REGION", "noord")
# More active helpers than this around one child is "stapeling van ondersteuners": the child page warns.
MAX_ACTIVE_HELPERS = int(os.environ.get("RONDOM_MAX_ACTIVE_HELPERS", "4"))
# An erbij-halen grant lasts at most this many days (it can be renewed while the help goes on).
ACCESS_GRANT_MAX_DAYS = int(os.environ.get("RONDOM_ACCESS_GRANT_MAX_DAYS", "180"))

# Retention per record type (years). See rondom.retention.policies for what each period counts from.
RETENTION_YEARS: dict[str, int] = {
    "note.youth_care": 20,
    "note.health": 20,
    "note.support": 5,
    "note.absence": 5,
    "consent": 5,
    "child": 20,
}
RETENTION_YEARS.update({k: int(v) for k, v in json.loads(os.environ.get("RONDOM_RETENTION_YEARS", "{}")).items()})

# Scheduled jobs run by `manage.py run_scheduler` (enqueued for the worker): name -> interval seconds.
SCHEDULED_TASKS: dict[str, int] = {
    "rondom.retention.tasks.apply_retention_task": 24 * 3600,
    # Absence thresholds, escalation deadlines and reminders: hourly, so a deadline passes on its day.
    "rondom.thuiszitters.tasks.daily_absence_and_escalation_task": 3600,
    # The monitoring's monthly rollup of goal scores, answers, cases, requests and moves (monitoring/rollup.py).
    "rondom.monitoring.tasks.refresh_monitoring_task": 3600,
    # Roster uploads: unconfirmed dry runs end, stored files and old reports' lists of names go (roster/uploads.py).
    "rondom.roster.tasks.purge_roster_uploads_task": 24 * 3600,
    # Decisions of the samenwerkingsverband: arrangements not started in time, validities ending (swv/expiry.py).
    "rondom.swv.tasks.swv_expiry_task": 24 * 3600,
    # PostgreSQL: next school year's partition of the absence table, made ahead (attendance/partitions.py). Needed
    # once a year; checked weekly, so a failed run is retried within a week. Idempotent; nothing on SQLite.
    "rondom.attendance.partitions.ensure_absence_partitions_task": 7 * 24 * 3600,
}

# Families log in to the portal with a password and an e-mail code; a municipality with an OpenID Connect broker
# for DigiD switches that on with these variables (docs/portal.md). The broker's ID token must carry the BSN.
RONDOM_OIDC_ENABLED = bool(os.environ.get("RONDOM_OIDC_ISSUER"))
RONDOM_OIDC_BSN_CLAIM = os.environ.get("RONDOM_OIDC_BSN_CLAIM", "bsn")
# Where the claims are read: "id_token" (what the DigiD brokers document: BSN and acr in the signed ID token),
# "userinfo" (the userinfo endpoint) or "both" (the ID token, completed by userinfo; a claim both carry must agree).
RONDOM_OIDC_CLAIM_SOURCE = os.environ.get("RONDOM_OIDC_CLAIM_SOURCE", "id_token")
# The claim with DigiD's level of assurance and the lowest level let in: basis, midden, substantieel or hoog.
RONDOM_OIDC_LOA_CLAIM = os.environ.get("RONDOM_OIDC_LOA_CLAIM", "acr")
RONDOM_OIDC_MIN_LOA = os.environ.get("RONDOM_OIDC_MIN_LOA", "midden")
# A broker that sends no level at all enforces it at its DigiD connection; set this to refuse such logins instead.
RONDOM_OIDC_LOA_REQUIRED = os.environ.get("RONDOM_OIDC_LOA_REQUIRED", "") == "1"
# The expected `iss` of the ID token (the broker's issuer identifier, exactly as in its discovery document).
RONDOM_OIDC_ISSUER = os.environ.get("RONDOM_OIDC_ISSUER_ID", os.environ.get("RONDOM_OIDC_ISSUER", "")).rstrip("/")
if RONDOM_OIDC_ENABLED:
    _issuer = os.environ["RONDOM_OIDC_ISSUER"].rstrip("/")
    OIDC_RP_CLIENT_ID = os.environ["RONDOM_OIDC_CLIENT_ID"]
    OIDC_RP_CLIENT_SECRET = os.environ["RONDOM_OIDC_CLIENT_SECRET"]
    OIDC_OP_AUTHORIZATION_ENDPOINT = os.environ.get("RONDOM_OIDC_AUTHORIZATION_ENDPOINT", f"{_issuer}/authorize")
    OIDC_OP_TOKEN_ENDPOINT = os.environ.get("RONDOM_OIDC_TOKEN_ENDPOINT", f"{_issuer}/token")
    OIDC_OP_USER_ENDPOINT = os.environ.get("RONDOM_OIDC_USERINFO_ENDPOINT", f"{_issuer}/userinfo")
    OIDC_OP_JWKS_ENDPOINT = os.environ.get("RONDOM_OIDC_JWKS_ENDPOINT", f"{_issuer}/jwks")
    AUTHENTICATION_BACKENDS = [*AUTHENTICATION_BACKENDS, "rondom.portal.oidc.FamilyOIDCBackend"]
OIDC_RP_SIGN_ALGO = "RS256"
OIDC_RP_SCOPES = "openid"
OIDC_AUTHENTICATION_CALLBACK_URL = "portal:digid-callback"
OIDC_USE_NONCE = True

# Professionals may sign in with their organisation's own identity provider (Entra ID, ADFS, Keycloak, or Entree
# through an OIDC broker) instead of a Rondom password: a second, separate OpenID Connect client (docs/sso.md). Off
# unless RONDOM_STAFF_OIDC_ISSUER is set. Never asks for or accepts a BSN.
RONDOM_STAFF_OIDC_ENABLED = bool(os.environ.get("RONDOM_STAFF_OIDC_ISSUER"))
_staff_issuer = os.environ.get("RONDOM_STAFF_OIDC_ISSUER", "").rstrip("/")
# The expected `iss` of the ID token, exactly as in the provider's discovery document (Entra ID:
# https://login.microsoftonline.com/<tenant>/v2.0; Keycloak: https://<host>/realms/<realm>).
RONDOM_STAFF_OIDC_ISSUER = os.environ.get("RONDOM_STAFF_OIDC_ISSUER_ID", _staff_issuer).rstrip("/")
RONDOM_STAFF_OIDC_CLIENT_ID = os.environ.get("RONDOM_STAFF_OIDC_CLIENT_ID", "")
RONDOM_STAFF_OIDC_CLIENT_SECRET = os.environ.get("RONDOM_STAFF_OIDC_CLIENT_SECRET", "")
RONDOM_STAFF_OIDC_AUTHORIZATION_ENDPOINT = os.environ.get(
    "RONDOM_STAFF_OIDC_AUTHORIZATION_ENDPOINT", f"{_staff_issuer}/authorize"
)
RONDOM_STAFF_OIDC_TOKEN_ENDPOINT = os.environ.get("RONDOM_STAFF_OIDC_TOKEN_ENDPOINT", f"{_staff_issuer}/token")
RONDOM_STAFF_OIDC_USERINFO_ENDPOINT = os.environ.get("RONDOM_STAFF_OIDC_USERINFO_ENDPOINT", f"{_staff_issuer}/userinfo")
RONDOM_STAFF_OIDC_JWKS_ENDPOINT = os.environ.get("RONDOM_STAFF_OIDC_JWKS_ENDPOINT", f"{_staff_issuer}/jwks")
# The scopes asked (never "bsn": refused at start-up of a login).
RONDOM_STAFF_OIDC_SCOPES = os.environ.get("RONDOM_STAFF_OIDC_SCOPES", "openid profile email")
# Where the organisation and role claims are read: "id_token" or "userinfo" (acr/amr always from the ID token).
RONDOM_STAFF_OIDC_CLAIM_SOURCE = os.environ.get("RONDOM_STAFF_OIDC_CLAIM_SOURCE", "id_token")
# The claim naming the organisation (matched with Organisation.sso_value) and the claim with role or group values.
RONDOM_STAFF_OIDC_ORGANISATION_CLAIM = os.environ.get("RONDOM_STAFF_OIDC_ORGANISATION_CLAIM", "organisation")
RONDOM_STAFF_OIDC_ROLE_CLAIM = os.environ.get("RONDOM_STAFF_OIDC_ROLE_CLAIM", "roles")
# The identity provider's role/group values and the Rondom role each stands for (core.roles.Role), as JSON, e.g.
# '{"Rondom.IB": "intern_begeleider", "Rondom.Leerkracht": "teacher"}'. Values not listed are ignored.
RONDOM_STAFF_OIDC_ROLE_MAP: dict[str, str] = json.loads(os.environ.get("RONDOM_STAFF_OIDC_ROLE_MAP", "{}"))
# The ID token proves a second factor when its `acr` is one of these, or its `amr` holds one of those (RFC 8176).
RONDOM_STAFF_OIDC_MFA_ACR_VALUES: list[str] = json.loads(os.environ.get("RONDOM_STAFF_OIDC_MFA_ACR_VALUES", "[]"))
RONDOM_STAFF_OIDC_MFA_AMR_VALUES: list[str] = json.loads(
    os.environ.get("RONDOM_STAFF_OIDC_MFA_AMR_VALUES", '["mfa", "otp", "hwk"]')
)
if RONDOM_STAFF_OIDC_ENABLED:
    AUTHENTICATION_BACKENDS = [*AUTHENTICATION_BACKENDS, "rondom.records.staff_sso.StaffOIDCBackend"]

# Documents a family adds in the portal: at most this size (docs/portal.md lists the allowed types).
FAMILY_UPLOAD_MAX_MB = int(os.environ.get("RONDOM_FAMILY_UPLOAD_MAX_MB", "10"))

# The research export names children by a keyed hash; the key stays with the municipality (never in the export).
# The demo (not secure, serving localhost only) has a demo key so that the export works out of the box; anywhere
# else there is no default: without the key the page says, in plain words, that the export is not set up.
_DEMO_RESEARCH_KEY = "rondom-demo-only-research-key-not-secret"
_DEMO_ONLY = not SECURE and not set(ALLOWED_HOSTS) - _LOCAL_HOSTS
RONDOM_RESEARCH_KEY = os.environ.get("RONDOM_RESEARCH_KEY", _DEMO_RESEARCH_KEY if _DEMO_ONLY else "")
# The legal bases the municipality has documented for exporting without research consent (a JSON list of texts,
# e.g. '["Art. 2.10 Jeugdwet: onderzoek naar de jeugdhulp, besluit college 2026-14"]'). The export page offers only
# these; without any, only children with research consent can be exported. Never free text: anyone could type one.
RESEARCH_LEGAL_BASES: list[str] = [
    str(basis).strip()
    for basis in json.loads(os.environ.get("RONDOM_RESEARCH_LEGAL_BASES", "[]"))
    if str(basis).strip()
]
# Groups smaller than this have their wijk, school type and age band suppressed in a research export.
RESEARCH_MIN_CELL = int(os.environ.get("RONDOM_RESEARCH_MIN_CELL", "10"))
# The dashboard and the pilot report withhold a figure that rests on fewer children or answers than this.
RONDOM_MONITORING_MIN_CELL = int(os.environ.get("RONDOM_MONITORING_MIN_CELL", "5"))

# E-mail (notifications say only that there is something new; families get their login code): development
# writes each message to a file in var/mail/ (`make otp USER=ouder` reads the latest code from there).
EMAIL_BACKEND = os.environ.get("RONDOM_EMAIL_BACKEND", "django.core.mail.backends.filebased.EmailBackend")
EMAIL_FILE_PATH = os.environ.get("RONDOM_EMAIL_FILE_PATH", str(VAR_DIR / "mail"))
DEFAULT_FROM_EMAIL = os.environ.get("RONDOM_FROM_EMAIL", "rondom@localhost")
# The SMTP relay for the smtp backend (families' login codes, notifications): host, port, login, and STARTTLS on
# by default (port 587, the submission port). The password comes from a Secret (deploy/, docs/deployment.md).
EMAIL_HOST = os.environ.get("RONDOM_EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("RONDOM_EMAIL_PORT", "587"))
EMAIL_HOST_USER = os.environ.get("RONDOM_EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("RONDOM_EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("RONDOM_EMAIL_USE_TLS", True)
EMAIL_TIMEOUT = 10
RONDOM_BASE_URL = os.environ.get("RONDOM_BASE_URL", "http://127.0.0.1:8000")
# An escalation level's deciders get a reminder this many working days before its deadline.
ESCALATION_REMINDER_WORKING_DAYS = 2
# Absence uploads larger than this are refused (the pupil administration's yearly export stays far below).
ABSENCE_UPLOAD_MAX_MB = int(os.environ.get("RONDOM_ABSENCE_UPLOAD_MAX_MB", "200"))

# Structured JSON logs on stdout; records carry no personal data (see rondom.config.logging).
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"redact": {"()": "rondom.config.logging.RedactPersonalDataFilter"}},
    "formatters": {
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": "%(asctime)s %(levelname)s %(name)s %(message)s",
            "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
        }
    },
    "handlers": {
        "stdout": {"class": "logging.StreamHandler", "formatter": "json", "filters": ["redact"]},
    },
    "root": {"handlers": ["stdout"], "level": os.environ.get("RONDOM_LOG_LEVEL", "INFO")},
    "loggers": {
        # django.request warns about every 404; keep only server errors (with traceback). Its lines, like those of
        # django.security.* (refused Host, CSRF, body too large: client faults, one WARNING without traceback),
        # name the route, never the path: rondom.config.logging.RedactPersonalDataFilter on the handler.
        "django.request": {"handlers": ["stdout"], "level": "ERROR", "propagate": False},
        "django.security": {"handlers": ["stdout"], "level": "WARNING", "propagate": False},
        "django.server": {"handlers": [], "level": "CRITICAL", "propagate": False},
        "axes": {"level": "WARNING"},
    },
}
