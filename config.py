"""Configuration read from the environment, with safe defaults."""
import os
import secrets
from datetime import timedelta


def database_url(raw):
    """Normalise a DATABASE_URL so SQLAlchemy uses the psycopg 3 driver for PostgreSQL."""
    if not raw:
        return None
    for prefix in ("postgres://", "postgresql://"):
        if raw.startswith(prefix):
            return "postgresql+psycopg://" + raw[len(prefix):]
    return raw


class Config:
    INSTANCE_PATH = os.environ.get("SIAPKOP_INSTANCE") or None  # None: instance/ beside app/
    # None means: a key generated once and kept in instance/secret_key (see app.secret_key).
    SECRET_KEY = os.environ.get("SECRET_KEY") or None
    # None means: the SQLite file instance/siapkop.sqlite3.
    SQLALCHEMY_DATABASE_URI = database_url(os.environ.get("DATABASE_URL"))
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}

    BABEL_DEFAULT_LOCALE = "id"
    BABEL_DEFAULT_TIMEZONE = os.environ.get("TIMEZONE", "Asia/Jakarta")
    LANGUAGES = ("id", "en")

    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    # Cookies go over HTTPS only unless a plain-http demo says otherwise (`make run` sets 0).
    SESSION_COOKIE_SECURE = os.environ.get("SESSION_COOKIE_SECURE", "1") != "0"
    REMEMBER_COOKIE_DURATION = timedelta(days=int(os.environ.get("REMEMBER_DAYS", "30")))
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_SECURE = SESSION_COOKIE_SECURE
    WTF_CSRF_TIME_LIMIT = None  # a form opened in the village may be sent hours later

    PAGE_SIZE = 25
    INSTRUMENT = os.environ.get("INSTRUMENT", "kdmp-tata-kelola")  # the code new assessments are started with
    # Evidence photos: originals up to 10 MB (plus the form around them); kept outside static/.
    MAX_CONTENT_LENGTH = 11 * 1024 * 1024
    PHOTO_FOLDER = os.environ.get("PHOTO_FOLDER") or None  # older versions' photo files (flask photos migrate)

    # Reverse proxies in front of the app whose X-Forwarded-For/-Proto are trusted; 0: use the socket's address.
    TRUSTED_PROXIES = int(os.environ.get("TRUSTED_PROXIES", "0"))
    # This app server's name, sent as X-Served-By on every response when set: which of several servers behind
    # one nginx answered (for the operator's checks and the cluster tests); unset, no header is sent.
    SERVED_BY = os.environ.get("SERVED_BY") or None
    # Failed logins allowed (Flask-Limiter syntax). A browser that has logged in as the user tried
    # (its device cookie says so) has only its own limit; any other counts per address, per
    # (username, address) and per username (app/auth/throttle.py).
    RATELIMIT_ENABLED = True
    RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI", "memory://")  # redis://host:6379 for many servers
    RATELIMIT_SWALLOW_ERRORS = True  # a store that is down must not stop logins: the limit is skipped and logged
    LOGIN_LIMIT_PER_ADDRESS = os.environ.get("LOGIN_LIMIT_PER_ADDRESS", "10 per minute")
    LOGIN_LIMIT_PER_USERNAME_ADDRESS = os.environ.get("LOGIN_LIMIT_PER_USERNAME_ADDRESS", "10 per hour")
    LOGIN_LIMIT_PER_USERNAME = os.environ.get("LOGIN_LIMIT_PER_USERNAME", "20 per hour")
    LOGIN_LIMIT_PER_DEVICE = os.environ.get("LOGIN_LIMIT_PER_DEVICE", "10 per hour")
    LOGIN_DEVICE_COOKIE_DURATION = timedelta(days=int(os.environ.get("LOGIN_DEVICE_DAYS", "365")))


class TestConfig(Config):
    TESTING = True
    SECRET_KEY = secrets.token_hex(32)
    # Tests always name their own database (see tests/conftest.py); never fall back to the dev file.
    SQLALCHEMY_DATABASE_URI = database_url(os.environ.get("TEST_DATABASE_URL")) or "sqlite://"
    SESSION_COOKIE_SECURE = REMEMBER_COOKIE_SECURE = False
    RATELIMIT_ENABLED = False  # tests log in often; the rate-limit tests turn it on
