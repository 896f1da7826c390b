"""The schema comes only from the migrations: upgrade and downgrade on SQLite and PostgreSQL."""
import pytest
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect

from app.extensions import db
from tests.conftest import make_app

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
