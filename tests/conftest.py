"""Fixtures: every app is built with create_app(TestConfig) on a database made by the migrations.

Data-layer and HTTP tests run twice, on SQLite and on a throwaway PostgreSQL server.
Set SIAPKOP_REQUIRE_POSTGRES=1 (as .ci/run does) to fail instead of skipping without PostgreSQL.
The helpers these fixtures use, and tests import, are in tests/support.py.
"""
import itertools
import os
import re
import shutil

import pytest

from app.extensions import db
from app.instruments.models import publish
from app.regions.files import read_regions
from tests.pgserver import PostgresServer
from tests.support import (ARTIFACTS, CHROMIUM, CHROMIUM_ARGS, INSTRUMENT, JOMBANG, OUT_OF_SIGNAL, PHONE_TIMEZONE,
                           REGIONS_DIR, SOURCE, Auth, Field, IsolatedClient, PhoneNetwork, add_jombang, make_app,
                           migrate)

_db_numbers = itertools.count()


@pytest.fixture(scope="session")
def postgres():
    """A running throwaway PostgreSQL server, with a migrated template database."""
    server = PostgresServer()
    if not server.available:
        if os.environ.get("SIAPKOP_REQUIRE_POSTGRES") == "1":
            pytest.fail("PostgreSQL binaries (initdb, pg_ctl) not found")
        pytest.skip("PostgreSQL binaries not found")
    server.start()
    server.execute("CREATE DATABASE siapkop_template")
    migrate(f"{server.url}/siapkop_template")
    yield server
    server.stop()


@pytest.fixture(scope="session")
def postgres_jombang(postgres, jombang_regions):
    """The name of a template database holding Jombang, made from the migrated one."""
    postgres.execute("CREATE DATABASE siapkop_jombang TEMPLATE siapkop_template")
    add_jombang(f"{postgres.url}/siapkop_jombang", jombang_regions)
    return "siapkop_jombang"


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory):
    """A migrated SQLite file, copied for each test."""
    path = tmp_path_factory.mktemp("template") / "siapkop.sqlite3"
    migrate(f"sqlite:///{path}")
    return path


@pytest.fixture(scope="session")
def sqlite_jombang(tmp_path_factory, sqlite_template, jombang_regions):
    """A copy of the migrated SQLite file holding Jombang, copied for each test that uses `jombang`."""
    path = tmp_path_factory.mktemp("jombang") / "siapkop.sqlite3"
    shutil.copy(sqlite_template, path)
    add_jombang(f"sqlite:///{path}", jombang_regions)
    return path


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request, tmp_path):
    """A fresh migrated database for one test, on each backend; it holds Jombang if the test uses `jombang`."""
    with_jombang = "jombang" in request.fixturenames
    if request.param == "sqlite":
        path = tmp_path / "siapkop.sqlite3"
        shutil.copy(request.getfixturevalue("sqlite_jombang" if with_jombang else "sqlite_template"), path)
        yield f"sqlite:///{path}"
        return
    server = request.getfixturevalue("postgres")
    template = request.getfixturevalue("postgres_jombang") if with_jombang else "siapkop_template"
    name = f"siapkop_test_{os.getpid()}_{next(_db_numbers)}"
    server.execute(f"CREATE DATABASE {name} TEMPLATE {template}")
    yield f"{server.url}/{name}"
    server.execute(f"DROP DATABASE {name} WITH (FORCE)")


@pytest.fixture
def app(database_url):
    app = make_app(database_url)
    app.test_client_class = IsolatedClient
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture(scope="session")
def jombang_regions():
    """Jombang's rows from the shipped national files, read once."""
    return read_regions(REGIONS_DIR, JOMBANG)


@pytest.fixture
def jombang(app):
    """Jombang's data and one user per role, in the test's database (database_url copies them in)."""


@pytest.fixture
def auth(client):
    return Auth(client)


# --- The facilitator's assessment, driven over HTTP ------------------------------------------------

@pytest.fixture
def field(app, jombang, client, auth, tmp_path):
    """The default instrument published, and the Diwek facilitator logged in."""
    app.config["PHOTO_FOLDER"] = str(tmp_path / "photos")
    publish(db.session, INSTRUMENT, SOURCE)
    db.session.commit()
    auth.login("fas.diwek")
    return Field(client, auth)


# --- Browser tests: Debian's Chromium driven by Playwright against a live server -----------------

@pytest.fixture(scope="session")
def browser_type_launch_args():
    """Launch Debian's Chromium; Playwright's own browser download cannot work here."""
    if not os.path.exists(CHROMIUM):
        if os.environ.get("SIAPKOP_REQUIRE_BROWSER") == "1":
            pytest.fail(f"{CHROMIUM} not found (apt-get install -y chromium)")
        pytest.skip(f"{CHROMIUM} not found")
    return {"executable_path": CHROMIUM, "args": CHROMIUM_ARGS}


@pytest.fixture(scope="session")
def browser_context_args(playwright):
    """Every page is a Pixel 5 phone in Jombang unless a test asks otherwise."""
    return {**playwright.devices["Pixel 5"], "locale": "id-ID", "timezone_id": PHONE_TIMEZONE}


@pytest.fixture
def live_server(tmp_path, sqlite_jombang):
    """The app on a real port, on a SQLite copy holding Jombang and its users."""
    import threading

    from werkzeug.serving import make_server

    path = tmp_path / "live.sqlite3"
    shutil.copy(sqlite_jombang, path)
    app = make_app(f"sqlite:///{path}")
    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=PhoneNetwork)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    server.app, server.url = app, f"http://127.0.0.1:{server.server_port}"
    yield server
    OUT_OF_SIGNAL.clear()
    server.shutdown()
    with app.app_context():
        db.engine.dispose()


@pytest.fixture
def shot(request):
    """Save a numbered screenshot of a step under tests/artifacts/<test>/."""
    folder = ARTIFACTS / re.sub(r"[^\w.-]+", "_", request.node.name)
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    counter = itertools.count(1)

    def take(page, step, **options):
        """`options` go to page.screenshot: scale="css" keeps a long page on a dense phone cheap."""
        page.screenshot(path=str(folder / f"{next(counter):02d}-{step}.png"), **{"full_page": True, **options})
    return take


# --- The world of three areas for the walks over the url_map (tests/world.py) --------------------

@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def world(request, tmp_path_factory):
    """tests/world.py's areas, built once per backend on Jombang's template; a test that changes it restores it."""
    from tests.world import World, build, copy_photos

    folder = tmp_path_factory.mktemp("world")
    built_photos, photos = folder / "world-photos", folder / "photos"
    if request.param == "sqlite":
        template, work = folder / "world.sqlite3", folder / "work.sqlite3"
        shutil.copy(request.getfixturevalue("sqlite_jombang"), template)
        template_url, url = f"sqlite:///{template}", f"sqlite:///{work}"

        def reset():
            for suffix in ("-wal", "-shm"):
                if os.path.exists(f"{work}{suffix}"):
                    os.unlink(f"{work}{suffix}")
            shutil.copy(template, work)
    else:
        server = request.getfixturevalue("postgres")
        name = f"siapkop_world_{os.getpid()}"
        jombang = request.getfixturevalue("postgres_jombang")
        server.execute(f"CREATE DATABASE {name} TEMPLATE {jombang}")
        template_url, url = f"{server.url}/{name}", f"{server.url}/{name}_work"

        def reset():
            server.execute(f"DROP DATABASE IF EXISTS {name}_work WITH (FORCE)")
            server.execute(f"CREATE DATABASE {name}_work TEMPLATE {name}")
    builder = make_app(template_url, PHOTO_FOLDER=str(built_photos))
    with builder.app_context():
        areas = build(built_photos)
        db.session.remove()
        db.engine.dispose()
    reset()
    copy_photos(built_photos, photos)
    app = make_app(url, PHOTO_FOLDER=str(photos))
    app.test_client_class = IsolatedClient
    with app.app_context():
        made = World(app, areas, photos, built_photos, reset)
    yield made
    with app.app_context():
        db.engine.dispose()
    if request.param == "postgresql":
        server.execute(f"DROP DATABASE {name}_work WITH (FORCE)")
        server.execute(f"DROP DATABASE {name} WITH (FORCE)")


# --- Several app servers behind nginx on PostgreSQL and Redis (tests/cluster.py) -----------------

@pytest.fixture(scope="session")
def cluster(postgres, postgres_jombang, tmp_path_factory):
    """tests/cluster.py's cluster on a PostgreSQL copy of Jombang with the default instrument published, and
    `.app`, an app on its database for the tests' checks. Set SIAPKOP_REQUIRE_CLUSTER=1 (as .ci/run does) to
    fail instead of skipping without nginx or redis-server."""
    from tests.cluster import Cluster, missing
    if missing():
        if os.environ.get("SIAPKOP_REQUIRE_CLUSTER") == "1":
            pytest.fail(f"not found: {', '.join(missing())} (apt-get install -y nginx redis-server)")
        pytest.skip(f"not found: {', '.join(missing())}")
    name = f"siapkop_cluster_{os.getpid()}"
    postgres.execute(f"CREATE DATABASE {name} TEMPLATE {postgres_jombang}")
    app = make_app(f"{postgres.url}/{name}")
    with app.app_context():
        publish(db.session, INSTRUMENT, SOURCE)
        db.session.commit()
        db.session.remove()
    with Cluster(tmp_path_factory.mktemp("cluster"), f"{postgres.url}/{name}") as running:
        running.app = app
        yield running
    with app.app_context():
        db.engine.dispose()
    postgres.execute(f"DROP DATABASE {name} WITH (FORCE)")
