"""What the tests share besides fixtures: building apps, Jombang and its users, logging in, driving a visit.

The fixtures that use these live in tests/conftest.py.
"""
import re
import time
import uuid

import requests

from flask.testing import FlaskClient
from flask_migrate import upgrade
from sqlalchemy import select
from werkzeug.security import generate_password_hash
from werkzeug.serving import WSGIRequestHandler

from app import ROOT, create_app
from app.assessments.models import Answer, Assessment
from app.auth.models import User
from app.cooperatives.models import Cooperative
from app.cooperatives.seed import seed_cooperatives
from app.extensions import db
from app.instruments.definition import load_text
from app.regions.models import District, Village
from app.regions.store import save_regions
from app.roles import ADMIN, FACILITATOR, SUPERVISOR
from app.storage.models import PhotoBytes
from config import TestConfig

REGIONS_DIR = ROOT / "data" / "regions"
JOMBANG, DIWEK, WONOSALAM = "35.17", "35.17.08", "35.17.05"
PASSWORD = "kata-sandi-uji"
# The test users' hash: scrypt at 1/32 of the cost new passwords get, as every login checks it. Tests of
# what a login costs give their users a hash of the app's own kind (User.set_password).
PASSWORD_HASH = generate_password_hash(PASSWORD, method="scrypt:1024:8:1")


def make_app(url, **settings):
    """create_app(TestConfig) on the database at `url`."""
    config = type("Config", (TestConfig,), {"SQLALCHEMY_DATABASE_URI": url, **settings})
    return create_app(config)


def migrate(url):
    app = make_app(url)
    with app.app_context():
        upgrade()
        db.engine.dispose()


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


def add_jombang(url, regions):
    """Load Jombang into the database at `url` and close every connection, so it can serve as a template."""
    app = make_app(url)
    with app.app_context():
        load_jombang(regions)
        db.session.remove()
        db.engine.dispose()


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


# --- The facilitator's assessment, driven over HTTP ------------------------------------------------

SOURCE = (ROOT / "instruments" / "kdmp-tata-kelola-v1.yaml").read_text(encoding="utf-8")
INSTRUMENT = load_text(SOURCE)


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


# --- The facilitator's assessment, driven over real HTTP (gunicorn, nginx) -------------------------

def logged_in_session(url, username):
    """A requests session logged in as `username` at the server `url`, sending what the phone's autosave sends
    (HX-Request and the CSRF token)."""
    session = requests.Session()
    page = session.get(url + "/auth/login", timeout=10).text
    home = session.post(url + "/auth/login", data={"csrf_token": csrf_token(page), "username": username,
                                                   "password": PASSWORD}, timeout=10)
    assert "Kunjungan saya" in home.text, username
    page = session.get(url + "/assessments/", timeout=10).text
    session.headers.update({"HX-Request": "true", "X-CSRFToken": csrf_token(page)})
    return session


def wait_for(condition, timeout=10):
    """Poll `condition()` until it is true; fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("timed out")
        time.sleep(0.05)


def value_for(question, n):
    """The n-th save's value: counts differ from save to save, the others cycle."""
    if question.type == "count":
        return str(n % (question.max or 1_000_000))
    return str(n % 5) if question.type == "scale" else ("yes", "no")[n % 2]


# --- Browser tests: Debian's Chromium driven by Playwright against a live server -----------------

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
ARTIFACTS = ROOT / "tests" / "artifacts"
PHONE_TIMEZONE = "Asia/Jakarta"  # the browser tests' phone is in Jombang
OUT_OF_SIGNAL = set()  # the session and remember cookies of the phones without signal (see no_signal)


class PhoneNetwork(WSGIRequestHandler):
    """The live server's side of a phone's signal: a request carrying the cookie of a phone without signal
    is dropped unanswered (the browser sees a network error), whoever in the browser sent it."""

    def parse_request(self):
        if not super().parse_request():
            return False
        cookies = self.headers.get("Cookie", "")
        if any(value in cookies for value in OUT_OF_SIGNAL):
            self.close_connection = True
            return False
        return True


def stored_photo(photo_id, thumb=False):
    """The bytes of a photo (or its thumbnail) as the database holds them (app.storage), or None."""
    column = PhotoBytes.thumb if thumb else PhotoBytes.jpeg
    return db.session.scalar(select(column).where(PhotoBytes.id == photo_id))
