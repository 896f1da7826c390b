"""The Flask extensions, created once here and bound to an app in create_app."""
from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect
from htmx_flask import Htmx
from sqlalchemy import MetaData
from sqlalchemy.dialects import postgresql, sqlite

# Named constraints keep migrations identical on SQLite and PostgreSQL and let them be dropped.
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

db = SQLAlchemy(metadata=MetaData(naming_convention=NAMING))
migrate = Migrate(render_as_batch=True, compare_type=True)
login = LoginManager()
login.login_view = "auth.login_page"  # the unauthorized handler is in app/auth/routes.py
csrf = CSRFProtect()
babel = Babel()
htmx = Htmx()
# Limits only the views that ask for one (the login form); the moving window has no burst at a window's edge.
limiter = Limiter(get_remote_address, strategy="moving-window", headers_enabled=True)


def upsert(dialect, table, row):
    """The INSERT of `row` into `table` for `dialect` ("sqlite" or "postgresql"), which takes
    .on_conflict_do_update(): the same statement on both databases."""
    return {"sqlite": sqlite.insert, "postgresql": postgresql.insert}[dialect](table).values(row)
