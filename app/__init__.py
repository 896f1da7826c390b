"""SiapKop: governance-readiness assessments for Koperasi Desa/Kelurahan Merah Putih."""
import importlib
import os
import secrets
import threading
from pathlib import Path

from flask import Flask
from jinja2 import StrictUndefined
from sqlalchemy import event
from sqlalchemy.engine import Engine
from werkzeug.routing import IntegerConverter

from app.extensions import babel, csrf, db, htmx, login, migrate
from app.inputs import MAX_ID

ROOT = Path(__file__).resolve().parent.parent
# Views and commands attach themselves to their feature's blueprint when imported. They are imported
# here, not from each feature's __init__, so importing a model never pulls in views (no import cycles).
VIEWS = (
    "app.main.routes", "app.auth.routes", "app.regions.commands", "app.users.routes", "app.users.commands",
    "app.cooperatives.routes", "app.cooperatives.commands", "app.instruments.routes", "app.instruments.commands",
    "app.assessments.routes", "app.assessments.photo_routes", "app.assessments.sync", "app.reviews.routes",
    "app.rollups.routes", "app.rollups.exports", "app.bimtek.routes", "app.bimtek.participants",
    "app.bimtek.attendance", "app.bimtek.attendance_sheet", "app.bimtek.pretest", "app.bimtek.score_exports",
    "app.followup.routes", "app.followup.exports", "app.main.health",
)


def create_app(config_class):
    """Build the Flask app from a config class; nothing else happens at import time."""
    instance = getattr(config_class, "INSTANCE_PATH", None) or str(ROOT / "instance")
    app = Flask(__name__, template_folder=str(ROOT / "templates"), instance_path=instance)
    app.config.from_object(config_class)
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", str(ROOT / "translations"))
    private_files(app.instance_path)
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = instance_secret_key(Path(app.instance_path))
    if not app.config.get("SQLALCHEMY_DATABASE_URI"):
        app.config["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{Path(app.instance_path) / 'siapkop.sqlite3'}"
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        # A local file drops no connections: no "SELECT 1" before each request (PostgreSQL keeps it).
        app.config["SQLALCHEMY_ENGINE_OPTIONS"] = {**app.config["SQLALCHEMY_ENGINE_OPTIONS"], "pool_pre_ping": False}
    app.url_map.converters["int"] = IdConverter  # before any route: an id past 64 bits is a 404, not an overflow
    app.jinja_env.undefined = StrictUndefined
    app.jinja_env.trim_blocks = app.jinja_env.lstrip_blocks = True

    db.init_app(app)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"))
    login.init_app(app)
    csrf.init_app(app)
    htmx.init_app(app)

    # models is imported for its tables, which the migrations read
    from app import assets, backup, compression, dbcopy, errors, i18n, models, security  # noqa: F401
    babel.init_app(app, locale_selector=i18n.select_locale)
    i18n.init_app(app)
    errors.init_app(app)
    security.init_app(app)
    compression.init_app(app)
    assets.init_app(app)
    app.cli.add_command(backup.command)
    from app.storage import commands as photo_commands
    app.cli.add_command(photo_commands.command)
    from app.rollups import commands as rollup_commands
    app.cli.add_command(rollup_commands.command)
    app.cli.commands["db"].add_command(dbcopy.command)  # Flask-Migrate's group: `flask db copy`

    for module in VIEWS:
        importlib.import_module(module)
    from app.assessments import bp as assessments_bp
    from app.auth import bp as auth_bp
    from app.cooperatives import bp as cooperatives_bp
    from app.demo import bp as demo_bp
    from app.instruments import bp as instruments_bp
    from app.main import bp as main_bp
    from app.regions import bp as regions_bp
    from app.bimtek import bp as bimtek_bp
    from app.followup import bp as followup_bp
    from app.reviews import bp as reviews_bp
    from app.rollups import bp as rollups_bp
    from app.users import bp as users_bp
    app.register_blueprint(main_bp)
    app.register_blueprint(auth_bp, url_prefix="/auth")
    app.register_blueprint(cooperatives_bp, url_prefix="/cooperatives")
    app.register_blueprint(assessments_bp, url_prefix="/assessments")
    app.register_blueprint(reviews_bp, url_prefix="/reviews")
    app.register_blueprint(rollups_bp)
    app.register_blueprint(bimtek_bp, url_prefix="/bimtek")
    app.register_blueprint(followup_bp, url_prefix="/followup")
    app.register_blueprint(users_bp, url_prefix="/users")
    app.register_blueprint(instruments_bp, url_prefix="/instruments")
    app.register_blueprint(regions_bp)
    app.register_blueprint(demo_bp)
    return app


def private_files(instance):
    """Make every file the app writes readable by its own user alone, and the instance folder too.

    The instance folder holds the database, its -wal and -shm files, the photos and the secret key: all
    personal data or the key to it. SQLite creates its -wal, -shm and -journal files itself, with the
    mode of the database it created under the process umask, and photos and backups are written by
    plain opens, so one process umask of 077 covers them all, and whatever is written later; an explicit
    mode at each place would miss the files SQLite makes. The app runs as one service user, so nothing
    it writes is meant for another local user. A folder an earlier version made 0755 is closed too."""
    os.umask(0o077)
    os.makedirs(instance, mode=0o700, exist_ok=True)
    try:
        if os.stat(instance).st_mode & 0o077:
            os.chmod(instance, 0o700)
    except OSError:  # not ours to change (a mounted volume): its owner decides
        pass


def instance_secret_key(instance):
    """Read the secret key kept in instance/, creating it (mode 600) on the first run. Workers starting
    together each write a whole key aside and link it into place: the first one's is kept, none fails."""
    path = instance / "secret_key"
    if not path.exists():
        partial = instance / f"secret_key.{os.getpid()}.{threading.get_ident()}.part"
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(secrets.token_hex(32))
        try:
            os.link(partial, path)  # atomic, and refused if another worker's key is already there
        except FileExistsError:
            pass
        finally:
            partial.unlink()
    return path.read_text().strip()


class IdConverter(IntegerConverter):
    """`<int:...>` in URLs: a number no id column holds is simply not found (404)."""

    def __init__(self, url_map, *args, **kwargs):
        kwargs.setdefault("max", MAX_ID)
        super().__init__(url_map, *args, **kwargs)


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, _record):
    """Enforce foreign keys and let gunicorn workers share the SQLite file safely."""
    if type(dbapi_connection).__module__.startswith("sqlite3"):
        cur = dbapi_connection.cursor()
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA busy_timeout=5000")
        cur.execute("PRAGMA journal_mode=WAL")
        cur.close()
