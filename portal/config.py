"""Configuration classes. Environment variables are read here and nowhere else."""

import os
from datetime import timedelta


def _env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


class Config:
    DEV_SECRET_KEY = "dev-only-not-secret"
    SECRET_KEY = os.environ.get("SECRET_KEY", DEV_SECRET_KEY)
    REQUIRE_SECRET_KEY = False
    # None means "SQLite in the instance folder", filled in by create_app().
    SQLALCHEMY_DATABASE_URI = os.environ.get("DATABASE_URL")
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}
    SQLALCHEMY_RECORD_QUERIES = False

    # Sign-ins (portal.auth.sessions): without "remember me" a sign-in ends after
    # LOGIN_SESSION_LIFETIME; with it, after REMEMBER_COOKIE_DURATION.
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_DURATION = timedelta(days=int(os.environ.get("REMEMBER_DAYS", "30")))
    LOGIN_SESSION_LIFETIME = timedelta(hours=12)
    PERMANENT_SESSION_LIFETIME = LOGIN_SESSION_LIFETIME
    # Strict-Transport-Security max-age in seconds; 0 sends no header (plain-HTTP development).
    HSTS_SECONDS = 0

    WTF_CSRF_TIME_LIMIT = None
    BOOTSTRAP_SERVE_LOCAL = True
    MAX_CONTENT_LENGTH = 16 * 1024 * 1024

    # Rate limits (Flask-Limiter syntax).
    RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI", "memory://")
    RATELIMIT_HEADERS_ENABLED = True
    # Sign-in attempts per account, and per client address (offices share one address).
    LOGIN_RATE_LIMIT = os.environ.get("LOGIN_RATE_LIMIT", "10 per minute")
    LOGIN_RATE_LIMIT_PER_ADDRESS = os.environ.get("LOGIN_RATE_LIMIT_PER_ADDRESS", "30 per minute")

    # Mail: the outbox worker delivers through this SMTP server.
    MAIL_SERVER = os.environ.get("MAIL_SERVER", "127.0.0.1")
    MAIL_PORT = int(os.environ.get("MAIL_PORT", "1025"))
    MAIL_USERNAME = os.environ.get("MAIL_USERNAME")
    MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD")
    MAIL_USE_STARTTLS = _env_bool("MAIL_USE_STARTTLS", False)
    MAIL_TIMEOUT_S = float(os.environ.get("MAIL_TIMEOUT_S", "10"))
    MAIL_SENDER = os.environ.get("MAIL_SENDER", "Partner Support Portal <portal@vendor.example>")
    OUTBOX_MAX_ATTEMPTS = int(os.environ.get("OUTBOX_MAX_ATTEMPTS", "8"))
    OUTBOX_BACKOFF_BASE_S = int(os.environ.get("OUTBOX_BACKOFF_BASE_S", "30"))
    OUTBOX_BACKOFF_MAX_S = int(os.environ.get("OUTBOX_BACKOFF_MAX_S", "3600"))

    # Webhooks: each request's connect and read timeout, the attempts of one delivery (with
    # the outbox's backoff), the failures in a row that disable an endpoint. Loopback
    # receivers (plain http to 127.0.0.1) are allowed only in tests, never from the
    # environment; WEBHOOKS_HOSTS is a fixed name -> addresses table consulted before DNS.
    WEBHOOKS_TIMEOUT_S = float(os.environ.get("WEBHOOKS_TIMEOUT_S", "5"))
    WEBHOOKS_MAX_ATTEMPTS = int(os.environ.get("WEBHOOKS_MAX_ATTEMPTS", "10"))
    WEBHOOKS_DISABLE_AFTER_FAILURES = int(os.environ.get("WEBHOOKS_DISABLE_AFTER_FAILURES", "8"))
    WEBHOOKS_ALLOW_LOOPBACK = False
    WEBHOOKS_HOSTS: dict[str, list[str]] = {}

    # Links in e-mails point here.
    PUBLIC_BASE_URL = os.environ.get("PUBLIC_BASE_URL", "http://127.0.0.1:5000")
    PASSWORD_LINK_MAX_AGE_S = 3 * 24 * 3600

    # JSON API / OpenAPI (flask-smorest).
    API_TITLE = "Partner Support Portal API"
    API_VERSION = "v1"
    OPENAPI_VERSION = "3.0.3"
    OPENAPI_URL_PREFIX = "/api/v1"
    OPENAPI_JSON_PATH = "openapi.json"
    API_PER_PAGE_DEFAULT = 50
    API_PER_PAGE_MAX = 200
    TOKEN_RATE_LIMIT = os.environ.get("TOKEN_RATE_LIMIT", "10 per minute")

    PER_PAGE = 25

    # Certification: a certification lapses once the second major release after its own
    # has been out this many days (unless it expired first).
    CERTIFICATION_LAPSE_GRACE_DAYS = int(os.environ.get("CERTIFICATION_LAPSE_GRACE_DAYS", "90"))
    # A reproduction environment stays current this many days after its last attestation
    # (or vendor verification), while its release is supported.
    ENVIRONMENT_ATTESTATION_DAYS = int(os.environ.get("ENVIRONMENT_ATTESTATION_DAYS", "180"))

    # Certificates: the name they are issued in, lookups allowed per client address, and
    # the Ed25519 key (a private JWK, `flask --app app make-signing-key` writes one) that
    # signs the Open Badges credentials: in the variable itself or in a file. Without one,
    # CREDENTIAL_SIGNING_KEY_FALLBACK decides: "instance" makes one once in the instance
    # folder, "memory" a throwaway one per process, "" none (credentials answer 503).
    VENDOR_NAME = os.environ.get("VENDOR_NAME", "Orbit Software")
    CERTIFICATE_LOOKUP_RATE_LIMIT = os.environ.get("CERTIFICATE_LOOKUP_RATE_LIMIT", "30 per minute")
    CREDENTIAL_SIGNING_KEY = os.environ.get("CREDENTIAL_SIGNING_KEY")
    CREDENTIAL_SIGNING_KEY_FILE = os.environ.get("CREDENTIAL_SIGNING_KEY_FILE")
    CREDENTIAL_SIGNING_KEY_FALLBACK = "instance"

    # Quizzes: answers and submissions are accepted this long after an attempt's deadline
    # (latency); QUIZ_COOLDOWN_OVERRIDE_S, when set, replaces every quiz's cooldown with
    # that many seconds (tests and demonstrations).
    QUIZ_GRACE_SECONDS = int(os.environ.get("QUIZ_GRACE_SECONDS", "30"))
    QUIZ_COOLDOWN_OVERRIDE_S = None

    # Escalations: the largest attachment accepted (bytes), and the vendor's on-call
    # address, paged for an S1 under a 24x7 agreement (no page when unset).
    ESCALATION_ATTACHMENT_MAX_BYTES = int(
        os.environ.get("ESCALATION_ATTACHMENT_MAX_BYTES", str(10 * 1024 * 1024))
    )
    VENDOR_ONCALL_EMAIL = os.environ.get("VENDOR_ONCALL_EMAIL", "")

    # Customer ratings: how long a rating link stays valid, and the rating page's requests
    # allowed per client address.
    RATING_LINK_DAYS = int(os.environ.get("RATING_LINK_DAYS", "30"))
    RATING_RATE_LIMIT = os.environ.get("RATING_RATE_LIMIT", "30 per minute")

    # Data exports: how long a finished archive is kept before the worker deletes it, and
    # after how long without progress a worker's claim on an export is taken over.
    EXPORT_KEEP_DAYS = int(os.environ.get("EXPORT_KEEP_DAYS", "7"))
    EXPORT_STALE_MINUTES = int(os.environ.get("EXPORT_STALE_MINUTES", "15"))


class DevelopmentConfig(Config):
    DEBUG = False


class TestConfig(Config):
    TESTING = True
    SECRET_KEY = "test-secret"
    SQLALCHEMY_DATABASE_URI = os.environ.get("TEST_DATABASE_URL")
    WTF_CSRF_ENABLED = True
    RATELIMIT_ENABLED = True
    PASSWORD_HASH_METHOD = "pbkdf2:sha256:1000"  # fast hashes keep the suite quick
    # Tests that sign credentials bring their own key; others get a throwaway one.
    CREDENTIAL_SIGNING_KEY = None
    CREDENTIAL_SIGNING_KEY_FILE = None
    CREDENTIAL_SIGNING_KEY_FALLBACK = "memory"
    # Webhook tests deliver to a real HTTP server on 127.0.0.1.
    WEBHOOKS_ALLOW_LOOPBACK = True
    WEBHOOKS_TIMEOUT_S = 2.0


class ProductionConfig(Config):
    """Served over HTTPS: secure cookies and HSTS (SESSION_COOKIE_SECURE=0 turns both off)."""

    REQUIRE_SECRET_KEY = True
    SESSION_COOKIE_SECURE = _env_bool("SESSION_COOKIE_SECURE", True)
    REMEMBER_COOKIE_SECURE = SESSION_COOKIE_SECURE
    HSTS_SECONDS = int(os.environ.get("HSTS_SECONDS", "31536000")) if SESSION_COOKIE_SECURE else 0
    # The vendor's key comes from configuration only: without it the app serves, but
    # credentials answer 503 and the JWKS is empty.
    CREDENTIAL_SIGNING_KEY_FALLBACK = ""


CONFIGS = {
    "development": DevelopmentConfig,
    "test": TestConfig,
    "production": ProductionConfig,
}


def config_from_env() -> type[Config]:
    """The config class named by PORTAL_ENV (development by default)."""
    name = os.environ.get("PORTAL_ENV", "development")
    try:
        return CONFIGS[name]
    except KeyError:
        raise RuntimeError(f"PORTAL_ENV must be one of {sorted(CONFIGS)}, not {name!r}") from None
