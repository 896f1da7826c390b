"""The schema comes only from the migrations: upgrade and downgrade on SQLite and PostgreSQL."""
import pytest
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect, text

from app.extensions import db
from tests.support import make_app

TABLES = {"province", "regency", "district", "village", "cooperative", "officer", "app_user", "user_district"}


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_database(request, tmp_path):
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'empty.sqlite3'}"
        return
    server = request.getfixturevalue("postgres")
    server.execute("CREATE DATABASE siapkop_empty")
    yield f"{server.url}/siapkop_empty"
    server.execute("DROP DATABASE siapkop_empty WITH (FORCE)")


def tables():
    db.session.remove()
    return set(inspect(db.engine).get_table_names())


def test_upgrade_downgrade_upgrade(empty_database):
    app = make_app(empty_database)
    with app.app_context():
        assert tables() == set()
        upgrade()
        assert TABLES <= tables()
        downgrade(revision="base")
        assert tables() == {"alembic_version"}
        upgrade()
        assert TABLES <= tables()
        db.engine.dispose()


def test_migrations_match_the_models(database_url):
    """Autogenerate finds nothing to add: the models and the migrations agree."""
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    app = make_app(database_url)
    with app.app_context(), db.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), db.metadata)
    assert diff == []


def test_existing_users_get_a_token_each_and_old_session_cookies_stop_working(empty_database):
    """0007_session_token gives every user a random token: a cookie holding the bare id no longer logs anyone in."""
    app = make_app(empty_database)
    with app.app_context():
        upgrade(revision="0006")
        with db.engine.begin() as conn:
            conn.execute(text("INSERT INTO app_user (username, name, password_hash, role, active) VALUES "
                              "('a', 'A', 'x', 'facilitator', true), ('b', 'B', 'x', 'admin', false)"))
        upgrade()
        with db.engine.connect() as conn:
            tokens = dict(conn.execute(text("SELECT username, session_token FROM app_user")).all())
        assert len(set(tokens.values())) == 2 and all(len(token) >= 32 for token in tokens.values())
        from app.auth.routes import load_user
        assert load_user("1") is None and load_user(tokens["a"]).username == "a"
        assert load_user(tokens["b"]) is None  # inactive
        db.session.remove()
        db.engine.dispose()
