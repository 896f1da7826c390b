"""`/healthz`: whether this app server can serve, for nginx and monitoring. No login; says nothing private."""
import uuid
from functools import cache

from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import current_app, jsonify
from sqlalchemy import insert, text
from sqlalchemy.exc import SQLAlchemyError

from app.extensions import db
from app.main import bp
from app.storage.models import PhotoBytes


@bp.get("/healthz")
def healthz():
    """200 when the database answers, its schema is at the migrations' head and photos can be written;
    else 503, naming the checks that failed."""
    checks = {"database": database_reachable()}
    checks["migrations"] = checks["database"] and at_head()
    checks["storage"] = checks["migrations"] and storage_writable()
    healthy = all(checks.values())
    return jsonify(status="ok" if healthy else "unavailable", **checks), 200 if healthy else 503


def database_reachable():
    try:
        db.session.execute(text("SELECT 1"))
        return True
    except SQLAlchemyError:
        db.session.rollback()
        return False


def at_head():
    """Whether the database's alembic revision is the head of the migrations shipped with this code."""
    try:
        current = MigrationContext.configure(db.session.connection()).get_current_heads()
    except SQLAlchemyError:
        db.session.rollback()
        return False
    return set(current) == heads(current_app.extensions["migrate"].directory)


@cache
def heads(directory):
    """The head revisions of the migrations in `directory`: read once per process, as they ship with the code."""
    config = Config()
    config.set_main_option("script_location", directory)
    return set(ScriptDirectory.from_config(config).get_heads())


def storage_writable():
    """Whether a photo's row can be written: one is inserted and rolled back, so nothing is kept."""
    try:
        db.session.execute(insert(PhotoBytes).values(id=uuid.uuid4(), jpeg=b"", size=0, sha256="0" * 64))
        return True
    except SQLAlchemyError:
        return False
    finally:
        db.session.rollback()
