"""Fixtures: every app is built with create_app(TestConfig) on a database made by the migrations.

Data-layer and HTTP tests run twice, on SQLite and on a throwaway PostgreSQL server.
Set SIAPKOP_REQUIRE_POSTGRES=1 (as .ci/run does) to fail instead of skipping without PostgreSQL.
"""
import itertools
import os
import re
import shutil
import uuid

import pytest
from flask.testing import FlaskClient
from flask_migrate import upgrade
from sqlalchemy import select
from werkzeug.security import generate_password_hash

from app import ROOT, create_app
from app.assessments.models import Answer, Assessment
from app.auth.models import User
from app.cooperatives.models import Cooperative
from app.cooperatives.seed import seed_cooperatives
from app.extensions import db
from app.instruments.definition import load_text
from app.instruments.models import publish
from app.regions.files import read_regions
from app.regions.models import District, Village
from app.regions.store import save_regions
from app.roles import ADMIN, FACILITATOR, SUPERVISOR
from config import TestConfig
from tests.pgserver import PostgresServer

REGIONS_DIR = ROOT / "data" / "regions"
JOMBANG, DIWEK, WONOSALAM = "35.17", "35.17.08", "35.17.05"
PASSWORD = "kata-sandi-uji"
PASSWORD_HASH = generate_password_hash(PASSWORD)  # hashed once: scrypt is slow by design
_db_numbers = itertools.count()


def make_app(url, **settings):
    """create_app(TestConfig) on the database at `url`."""
    config = type("Config", (TestConfig,), {"SQLALCHEMY_DATABASE_URI": url, **settings})
    return create_app(config)


def migrate(url):
    app = make_app(url)
    with app.app_context():
        upgrade()
        db.engine.dispose()


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
def sqlite_template(tmp_path_factory):
    """A migrated SQLite file, copied for each test."""
    path = tmp_path_factory.mktemp("template") / "siapkop.sqlite3"
    migrate(f"sqlite:///{path}")
    return path


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request, tmp_path):
    """A fresh migrated database for one test, on each backend."""
    if request.param == "sqlite":
        path = tmp_path / "siapkop.sqlite3"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        yield f"sqlite:///{path}"
        return
    server = request.getfixturevalue("postgres")
    name = f"siapkop_test_{os.getpid()}_{next(_db_numbers)}"
    server.execute(f"CREATE DATABASE {name} TEMPLATE siapkop_template")
    yield f"{server.url}/{name}"
    server.execute(f"DROP DATABASE {name} WITH (FORCE)")


class IsolatedClient(FlaskClient):
    """Serve each request in its own app context, as in production.

    The test body holds an app context (so it can use db.session directly); it is set
    aside while a request runs, so requests share neither `g`, the cached locale,
    nor the test's database session.
    """

    def open(self, *args, **kwargs):
        from flask.globals import _cv_app
        outer = _cv_app.get(None)
        if outer is not None:
            outer.pop()
        try:
            return super().open(*args, **kwargs)
        finally:
            if outer is not None:
                outer.push()


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


def add_user(username, role, districts=(), regency=None, active=True):
    user = User(username=username, name=username.title(), role=role, regency_code=regency, active=active)
    user.password_hash = PASSWORD_HASH
    user.districts = [db.session.get(District, code) for code in districts]
    db.session.add(user)
    return user


def load_jombang(regions):
    """Jombang's regions and 306 cooperatives, and the test users (in the current app context)."""
    save_regions(db.session, regions)
    seed_cooperatives(db.session, JOMBANG)
    add_user("dinas", ADMIN, regency=JOMBANG)
    add_user("supervisor", SUPERVISOR, (DIWEK, WONOSALAM))
    add_user("fas.diwek", FACILITATOR, (DIWEK,))
    add_user("fas.wonosalam", FACILITATOR, (WONOSALAM,))
    db.session.commit()


@pytest.fixture
def jombang(app, jombang_regions):
    """Jombang's data and one user per role, in the test's database."""
    load_jombang(jombang_regions)


def csrf_token(html):
    """The CSRF token in a rendered form."""
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)


class Auth:
    def __init__(self, client):
        self.client = client

    def login(self, username, password=PASSWORD, **extra):
        """Log in as `username`, logging out whoever was logged in."""
        page = self.client.get("/auth/login", follow_redirects=True)
        if page.request.path != "/auth/login":
            self.client.post("/auth/logout", data={"csrf_token": csrf_token(page.get_data(as_text=True))})
            page = self.client.get("/auth/login")
        token = csrf_token(page.get_data(as_text=True))
        return self.client.post("/auth/login", data={
            "csrf_token": token, "username": username, "password": password, **extra})

    def token(self, path="/cooperatives/"):
        """A CSRF token of the logged-in session, read from any page."""
        return csrf_token(self.client.get(path).get_data(as_text=True))


@pytest.fixture
def auth(client):
    return Auth(client)


# --- The facilitator's assessment, driven over HTTP ------------------------------------------------

SOURCE = (ROOT / "instruments" / "kdmp-tata-kelola-v1.yaml").read_text(encoding="utf-8")
INSTRUMENT = load_text(SOURCE)


@pytest.fixture
def field(app, jombang, client, auth, tmp_path):
    """The default instrument published, and the Diwek facilitator logged in."""
    app.config["PHOTO_FOLDER"] = str(tmp_path / "photos")
    publish(db.session, INSTRUMENT, SOURCE)
    db.session.commit()
    auth.login("fas.diwek")
    return Field(client, auth)


class Field:
    """Drives the facilitator's pages the way the browser does."""

    def __init__(self, client, auth):
        self.client, self.auth = client, auth
        self.token = auth.token("/assessments/")

    def cooperative(self, district=DIWEK):
        """The first cooperative of a kecamatan."""
        return db.session.scalar(select(Cooperative.id).join(Cooperative.village)
                                 .where(Village.district_code == district).order_by(Cooperative.id))

    def start(self, assessment_id=None, cooperative_id=None, **data):
        assessment_id = assessment_id or str(uuid.uuid4())
        return assessment_id, self.client.post(f"/assessments/new/{cooperative_id or self.cooperative()}", data={
            "csrf_token": self.token, "id": assessment_id, "visit_date": "2025-10-14", **data})

    def save(self, assessment_id, code, value=None, na=False, token=None):
        data = {} if value is None else {code: value}
        if na:
            data["na"] = code
        return self.client.post(f"/assessments/{assessment_id}/answers/{code}", data=data,
                                headers={"HX-Request": "true", "X-CSRFToken": token or self.token})


def answers(assessment_id):
    """The answers held for an assessment: None for "Tidak berlaku"; cleared answers left out."""
    db.session.expire_all()
    return {a.question_code: (None if a.not_applicable else a.value)
            for a in db.session.scalars(select(Answer).where(Answer.assessment_id == uuid.UUID(assessment_id)))
            if not a.cleared}


def assessment(assessment_id):
    """The assessment as the database now holds it."""
    db.session.expire_all()
    return db.session.get(Assessment, uuid.UUID(assessment_id))


BEST = {q.code: {"yesno": "yes", "scale": "4", "count": str(getattr(q, "target", 0))}[q.type]
        for q in INSTRUMENT.questions}


# --- Browser tests: Debian's Chromium driven by Playwright against a live server -----------------

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
ARTIFACTS = ROOT / "tests" / "artifacts"


@pytest.fixture(scope="session")
def browser_type_launch_args():
    """Launch Debian's Chromium; Playwright's own browser download cannot work here."""
    if not os.path.exists(CHROMIUM):
        if os.environ.get("SIAPKOP_REQUIRE_BROWSER") == "1":
            pytest.fail(f"{CHROMIUM} not found (apt-get install -y chromium)")
        pytest.skip(f"{CHROMIUM} not found")
    return {"executable_path": CHROMIUM, "args": CHROMIUM_ARGS}


PHONE_TIMEZONE = "Asia/Jakarta"  # the browser tests' phone is in Jombang


@pytest.fixture(scope="session")
def browser_context_args(playwright):
    """Every page is a Pixel 5 phone in Jombang unless a test asks otherwise."""
    return {**playwright.devices["Pixel 5"], "locale": "id-ID", "timezone_id": PHONE_TIMEZONE}


@pytest.fixture
def live_server(tmp_path, sqlite_template, jombang_regions):
    """The app on a real port, on a SQLite copy holding Jombang and its users."""
    import threading

    from werkzeug.serving import make_server

    path = tmp_path / "live.sqlite3"
    shutil.copy(sqlite_template, path)
    app = make_app(f"sqlite:///{path}")
    with app.app_context():
        load_jombang(jombang_regions)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    server.app, server.url = app, f"http://127.0.0.1:{server.server_port}"
    yield server
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

    def take(page, step):
        page.screenshot(path=str(folder / f"{next(counter):02d}-{step}.png"), full_page=True)
    return take


# --- The world of three areas for the walks over the url_map (tests/world.py) --------------------

@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def world(request, tmp_path_factory):
    """tests/world.py's areas, built once per backend on a template; a test that changes it restores it."""
    from tests.world import World, build, copy_photos

    folder = tmp_path_factory.mktemp("world")
    built_photos, photos = folder / "world-photos", folder / "photos"
    if request.param == "sqlite":
        template, work = folder / "world.sqlite3", folder / "work.sqlite3"
        shutil.copy(request.getfixturevalue("sqlite_template"), template)
        template_url, url = f"sqlite:///{template}", f"sqlite:///{work}"

        def reset():
            for suffix in ("-wal", "-shm"):
                if os.path.exists(f"{work}{suffix}"):
                    os.unlink(f"{work}{suffix}")
            shutil.copy(template, work)
    else:
        server = request.getfixturevalue("postgres")
        name = f"siapkop_world_{os.getpid()}"
        server.execute(f"CREATE DATABASE {name} TEMPLATE siapkop_template")
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
