"""Security headers, cookies, the login rate limit and SQLite's WAL mode, through real HTTP and Chromium."""
import importlib
import re
import sqlite3
import uuid

import pytest
from limits.storage import MemoryStorage, RedisStorage
from playwright.sync_api import expect
from sqlalchemy import select, text

from app import ROOT
from app.assessments.models import Photo
from app.cooperatives.models import Cooperative
from app.extensions import db, limiter
from app.regions.models import Village
from app.auth.throttle import DEVICE_COOKIE
from app.security import HEADERS
from tests.serving import free_port
from tests.support import DIWEK, PASSWORD, IsolatedClient, csrf_token, make_app
from tests.test_assessments import jpeg, upload

SQLITE_ONLY = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


def assert_secure_headers(response):
    """Each header once, with our value (a view that sets one itself, the photo, is not given a second),
    and htmx requests named in Vary."""
    wrong = {name: response.headers.getlist(name) for name, value in HEADERS.items()
             if response.headers.getlist(name) != [value]}
    assert not wrong, f"{response.request.path}: {wrong}"
    assert [v.strip() for v in response.headers["Vary"].split(",")].count("HX-Request") == 1


# --- Headers --------------------------------------------------------------------------------------

def test_every_kind_of_response_carries_the_security_headers(field, client, auth):
    csp = HEADERS["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp and "object-src 'none'" in csp
    assert "unsafe" not in csp  # neither 'unsafe-inline' nor 'unsafe-eval', for scripts or styles
    seen = []

    def check(response, status, mimetype=None):
        assert response.status_code == status, response.request.path
        assert mimetype is None or response.mimetype == mimetype
        assert_secure_headers(response)
        seen.append(response.request.path)

    assessment_id, started = field.start()
    check(started, 302)                                                              # a redirect
    check(client.get(f"/assessments/{assessment_id}/sections/A"), 200, "text/html")  # a page
    saved = field.save(assessment_id, "A1", "yes")                                   # an htmx fragment
    check(saved, 200, "text/html")
    assert "<html" not in saved.get_data(as_text=True)
    check(upload(field, assessment_id, "A1", jpeg(800, 600)), 200)                   # a photo upload
    photo = db.session.scalars(select(Photo)).one()
    check(client.get(f"/assessments/{assessment_id}/photos/{photo.id}.jpg"), 200, "image/jpeg")
    check(client.get("/sw.js"), 200, "text/javascript")                              # the service worker
    check(client.get("/manifest.webmanifest"), 200, "application/manifest+json")
    check(client.get("/static/app.css"), 200, "text/css")                            # static files
    check(client.get("/static/htmx.min.js"), 200, "text/javascript")
    check(client.get("/offline"), 200, "text/html")
    check(client.get("/no/such/page"), 404, "text/html")                             # error pages
    check(client.post(f"/assessments/{assessment_id}/answers/A2", data={"A2": "yes"}), 400, "text/html")
    auth.login("dinas")
    check(client.get("/dashboard/"), 200, "text/html")
    check(client.get(f"/dashboard/{DIWEK}"), 200, "text/html")
    check(client.get(f"/exports/scores.csv?district={DIWEK}", buffered=True), 200, "text/csv")  # downloads
    check(client.get("/exports/scores.xlsx"), 200)
    check(client.get("/exports/answers.csv", buffered=True), 200, "text/csv")
    assert len(seen) == 17


def test_a_named_server_says_it_answered_and_an_unnamed_one_says_nothing(database_url):
    """SERVED_BY tells apart the servers behind one nginx (tests/cluster.py): on every kind of response, or on none."""
    for name in ("app-2", None):
        app = make_app(database_url, SERVED_BY=name)
        client = app.test_client()
        responses = [client.get("/auth/login"), client.get("/static/app.css"), client.get("/no/such/page"),
                     client.get("/")]
        with app.app_context():
            db.engine.dispose()
        assert [r.status_code for r in responses] == [200, 200, 404, 302]
        assert [r.headers.getlist("X-Served-By") for r in responses] == [[name] if name else []] * 4


def test_private_responses_are_never_stored_static_files_keep_their_caching(field, client, auth):
    """Pages, fragments, photos and exports of a logged-in user: Cache-Control: no-store, once, in place of what
    a view asked for (the photo asked for a day, send_file for no-cache). Static files and the service worker
    keep their own."""
    def cache_control(response, status=200):
        assert response.status_code == status, response.request.path
        return response.headers.getlist("Cache-Control")

    assessment_id, _ = field.start()
    upload(field, assessment_id, "A1", jpeg(800, 600))
    photo = db.session.scalars(select(Photo)).one()
    private = [client.get(f"/assessments/{assessment_id}/sections/A"),                  # a page
               field.save(assessment_id, "A2", "yes"),                                  # an htmx fragment
               client.get(f"/assessments/{assessment_id}/photos/{photo.id}.jpg"),       # a photo
               client.get("/assessments/", headers={"HX-Request": "true", "HX-Boosted": "true"})]
    assert "<html" not in private[1].get_data(as_text=True)
    auth.login("dinas")
    private += [client.get(f"/exports/scores.csv?district={DIWEK}", buffered=True),     # the exports
                client.get("/exports/answers.csv", buffered=True), client.get("/exports/scores.xlsx"),
                client.get("/dashboard/")]
    assert [cache_control(r) for r in private] == [["no-store"]] * len(private)
    assert all("Expires" not in r.headers for r in private)
    assert cache_control(client.get("/static/no-such-file.css"), 404) == ["no-store"]  # a page, if under /static
    assert cache_control(client.get("/static/app.css")) == ["no-cache"]  # revalidated by its ETag
    assert cache_control(client.get("/sw.js")) == ["no-cache"]


# Inline script in any form: <script> without src, event-handler attributes, javascript: URLs,
# and htmx attributes that would need eval (hx-on, js: values); inline style: style= and <style>.
INLINE = {
    "inline <script>": re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.I),
    "script with a body": re.compile(r"<script[^>]*\bsrc=[^>]*>\s*(?!</script>)\S", re.I),
    "event handler attribute": re.compile(r"<[^>]*\son[a-z]+\s*=", re.I),
    "javascript: URL": re.compile(r"javascript:", re.I),
    "hx-on (eval)": re.compile(r"\bhx-on", re.I),
    "js: in hx-vals (eval)": re.compile(r"hx-va(ls|rs)=[\"']\s*js:", re.I),
    "style attribute": re.compile(r"<[^>]*\sstyle\s*=", re.I),
    "<style> block": re.compile(r"<style[\s>]", re.I),
}


def test_no_template_has_inline_script_or_style():
    templates = sorted((ROOT / "templates").rglob("*.html"))
    assert len(templates) >= 30
    found = [f"{path.relative_to(ROOT)}: {kind}: {match.group(0)[:60]}"
             for path in templates for kind, pattern in INLINE.items()
             for match in pattern.finditer(path.read_text(encoding="utf-8"))]
    assert found == []
    base = (ROOT / "templates" / "base.html").read_text(encoding="utf-8")
    assert '"includeIndicatorStyles": false' in base and '"allowEval": false' in base
    assert ".htmx-request .htmx-indicator" in (ROOT / "app" / "static" / "app.css").read_text(encoding="utf-8")


def test_the_scan_catches_what_it_looks_for():
    bad = {"inline <script>": "<script>alert(1)</script>", "script with a body": '<script src="/a.js">x()</script>',
           "event handler attribute": '<button type="button" onclick="go()">', "javascript: URL": '<a href="javascript:go()">',
           "hx-on (eval)": '<div hx-on:click="go()">', "js: in hx-vals (eval)": """<div hx-vals='js:{a: 1}'>""",
           "style attribute": '<td class="x" style="color: red">', "<style> block": "<style>p {}</style>"}
    for kind, snippet in bad.items():
        assert INLINE[kind].search(snippet), kind
    fine = '<script src="/static/app.js" defer></script><input data-on="x" name="onion"><p class="styled">'
    assert not any(pattern.search(fine) for pattern in INLINE.values())


# --- Cookies --------------------------------------------------------------------------------------

def set_cookie(response, name):
    return next(value for value in response.headers.getlist("Set-Cookie") if value.startswith(name + "="))


def test_production_cookies_are_secure_httponly_lax(app, jombang, client):
    app.config.update(SESSION_COOKIE_SECURE=True, REMEMBER_COOKIE_SECURE=True)  # what Config has by default
    page = client.get("/auth/login", base_url="https://siapkop.example")
    assert "tanpa https" not in page.get_data(as_text=True)
    # Over https Flask-WTF also checks the Referer, which Referrer-Policy: same-origin still sends.
    response = client.post("/auth/login", base_url="https://siapkop.example",
                           headers={"Referer": "https://siapkop.example/auth/login"}, data={
        "csrf_token": csrf_token(page.get_data(as_text=True)), "username": "fas.diwek", "password": PASSWORD,
        "remember": "y"})
    assert response.status_code == 302
    for name in ("session", "remember_token"):
        cookie = set_cookie(response, name)
        assert "; Secure" in cookie and "; HttpOnly" in cookie and "; SameSite=Lax" in cookie, cookie
    # Opened over plain http, the login page says the login cannot work instead of failing silently.
    warned = app.test_client().get("/auth/login", base_url="http://siapkop.example").get_data(as_text=True)
    assert "Halaman ini dibuka tanpa https" in warned


def test_test_and_demo_cookies_are_httponly_lax_but_not_secure(client, auth, jombang):
    response = auth.login("fas.diwek")
    cookie = set_cookie(response, "session")
    assert "; HttpOnly" in cookie and "; SameSite=Lax" in cookie and "Secure" not in cookie
    assert "tanpa https" not in client.get("/auth/login").get_data(as_text=True)


def test_config_is_secure_unless_told_it_is_a_plain_http_demo(monkeypatch):
    import config
    try:
        monkeypatch.delenv("SESSION_COOKIE_SECURE", raising=False)
        secure = importlib.reload(config).Config
        assert secure.SESSION_COOKIE_SECURE and secure.REMEMBER_COOKIE_SECURE
        assert secure.SESSION_COOKIE_HTTPONLY and secure.SESSION_COOKIE_SAMESITE == "Lax"
        assert secure.RATELIMIT_ENABLED and secure.RATELIMIT_STORAGE_URI == "memory://"
        assert secure.TRUSTED_PROXIES == 0
        monkeypatch.setenv("SESSION_COOKIE_SECURE", "0")  # what `make run` sets
        monkeypatch.setenv("RATELIMIT_STORAGE_URI", "redis://cache.example:6379")
        monkeypatch.setenv("TRUSTED_PROXIES", "1")
        demo = importlib.reload(config).Config
        assert not demo.SESSION_COOKIE_SECURE and not demo.REMEMBER_COOKIE_SECURE
        assert demo.RATELIMIT_STORAGE_URI == "redis://cache.example:6379" and demo.TRUSTED_PROXIES == 1
    finally:
        monkeypatch.undo()
        importlib.reload(config)
    makefile = (ROOT / "Makefile").read_text()
    assert "SESSION_COOKIE_SECURE=$${SESSION_COOKIE_SECURE:-0} $(BIN)/gunicorn" in makefile


# --- The login rate limit -------------------------------------------------------------------------

@pytest.fixture
def limited(request, database_url, jombang):
    """An app with the rate limit on (TestConfig turns it off) on Jombang, its settings from the test's parameter."""
    app = make_app(database_url, RATELIMIT_ENABLED=True, **getattr(request, "param", {}))
    app.test_client_class = IsolatedClient
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()


class Attempts:
    """Login attempts from a client, optionally as forwarded for another address."""

    def __init__(self, app):
        self.client = app.test_client()
        self.token = csrf_token(self.client.get("/auth/login").get_data(as_text=True))

    def __call__(self, username, password="salah", forwarded_for=None):
        headers = {"X-Forwarded-For": forwarded_for} if forwarded_for else {}
        response = self.client.post("/auth/login", headers=headers, data={
            "csrf_token": self.token, "username": username, "password": password})
        if response.status_code == 302:  # logged in: log out again, with the new session's token
            token = csrf_token(self.client.get("/auth/login", follow_redirects=True).get_data(as_text=True))
            self.client.post("/auth/logout", data={"csrf_token": token})
            self.token = csrf_token(self.client.get("/auth/login").get_data(as_text=True))
        return response

    def logged_in(self):
        return self.client.get("/cooperatives/").status_code == 200


@SQLITE_ONLY
def test_failed_logins_from_one_address_are_limited_with_a_message(limited):
    attempt = Attempts(limited)
    assert [attempt("fas.diwek", PASSWORD).status_code for _ in range(3)] == [302] * 3  # successes don't count
    attempt.client.delete_cookie(DEVICE_COOKIE, path="/auth/login")  # as a browser new to fas.diwek
    refused = [attempt("fas.diwek").status_code for _ in range(10)]
    assert refused == [422] * 10  # refused, with the form again
    blocked = attempt("fas.diwek", PASSWORD)  # the right password, but too late
    html = blocked.get_data(as_text=True)
    assert blocked.status_code == 429 and int(blocked.headers["Retry-After"]) > 0
    assert "Terlalu banyak percobaan masuk yang gagal. Tunggu beberapa menit, lalu coba lagi." in html
    assert 'name="username"' in html and 'value="fas.diwek"' in html and '<html lang="id">' in html
    assert_secure_headers(blocked)
    assert not attempt.logged_in()
    assert attempt.client.get("/auth/login").status_code == 200  # the page itself stays open
    attempt.client.post("/language/en", data={"csrf_token": attempt.token})
    english = attempt("fas.diwek", PASSWORD)
    assert english.status_code == 429
    assert "Too many failed login attempts. Wait a few minutes, then try again." in english.get_data(as_text=True)
    assert not attempt.logged_in()


@SQLITE_ONLY
@pytest.mark.parametrize("limited", [{"TRUSTED_PROXIES": 0}, {"TRUSTED_PROXIES": 1}], indirect=True,
                         ids=["no-proxy", "one-proxy"])
def test_forwarded_addresses_count_only_behind_a_configured_proxy(limited):
    attempt = Attempts(limited)
    assert {attempt("fas.diwek", forwarded_for="203.0.113.7").status_code for _ in range(10)} == {422}
    assert attempt("fas.diwek", forwarded_for="203.0.113.7").status_code == 429
    other = attempt("fas.wonosalam", PASSWORD, forwarded_for="198.51.100.9")
    limited.config["SESSION_COOKIE_SECURE"] = True
    page = limited.test_client().get("/auth/login", headers={"X-Forwarded-Proto": "https"})
    if limited.config["TRUSTED_PROXIES"]:
        assert other.status_code == 302  # another client behind the proxy has its own budget
        assert "tanpa https" not in page.get_data(as_text=True)  # the proxy says the browser used https
    else:
        assert other.status_code == 429  # a made-up header does not get around the limit
        assert "tanpa https" in page.get_data(as_text=True)


@SQLITE_ONLY
@pytest.mark.parametrize("limited", [{"TRUSTED_PROXIES": 1, "LOGIN_LIMIT_PER_USERNAME": "3 per hour"}],
                         indirect=True)
def test_failed_logins_for_one_username_are_limited_from_any_address(limited):
    attempt = Attempts(limited)
    for n, spelling in enumerate(["fas.diwek", " FAS.Diwek ", "fas.diwek"]):
        assert attempt(spelling, forwarded_for=f"203.0.113.{n}").status_code == 422
    # A browser that has never logged in as fas.diwek: the username's limit holds it too.
    assert attempt("fas.diwek", PASSWORD, forwarded_for="203.0.113.50").status_code == 429
    assert not attempt.logged_in()
    assert attempt("fas.wonosalam", PASSWORD, forwarded_for="203.0.113.50").status_code == 302


@SQLITE_ONLY
@pytest.mark.parametrize("limited", [{"TRUSTED_PROXIES": 1}], indirect=True)
def test_guesses_from_many_addresses_do_not_lock_the_user_out_of_their_own_phone(limited):
    phone = Attempts(limited)
    assert phone("dinas", PASSWORD, forwarded_for="198.51.100.1").status_code == 302  # a login last week
    cookie = phone.client.get_cookie(DEVICE_COOKIE, path="/auth/login")
    assert cookie.http_only and cookie.expires is not None and cookie.path == "/auth/login"
    guesser = Attempts(limited)
    assert guesser("fas.wonosalam", PASSWORD, forwarded_for="203.0.113.200").status_code == 302  # its own account
    guesses = [guesser("dinas", forwarded_for=f"203.0.113.{n}").status_code for n in range(45)]
    assert guesses == [422] * 20 + [429] * 25  # LOGIN_LIMIT_PER_USERNAME: the device cookie it holds is not dinas's
    # (a) The real user's phone gets in, from an address no guess came from as from one they all came from.
    assert phone("dinas", PASSWORD, forwarded_for="192.0.2.77").status_code == 302
    assert phone("dinas", PASSWORD, forwarded_for="203.0.113.3").status_code == 302
    # (b) A browser that has never logged in as dinas is held by the username's limit until the hour's
    # guesses age out of its moving window; dinas's known browsers are not.
    stranger = Attempts(limited)
    assert stranger("dinas", PASSWORD, forwarded_for="192.0.2.78").status_code == 429
    assert not stranger.logged_in()
    assert stranger("fas.diwek", PASSWORD, forwarded_for="192.0.2.78").status_code == 302  # other users are not held


@SQLITE_ONLY
@pytest.mark.parametrize("limited", [{"TRUSTED_PROXIES": 1, "LOGIN_LIMIT_PER_USERNAME_ADDRESS": "5 per hour"}],
                         indirect=True)
def test_a_guesser_at_one_address_is_throttled_for_that_username(limited):
    phone = Attempts(limited)
    assert phone("dinas", PASSWORD, forwarded_for="198.51.100.1").status_code == 302
    guesser = Attempts(limited)
    assert [guesser("dinas", forwarded_for="203.0.113.9").status_code for _ in range(6)] == [422] * 5 + [429]
    assert guesser("dinas", PASSWORD, forwarded_for="203.0.113.9").status_code == 429  # even the right password
    assert guesser("dinas", PASSWORD, forwarded_for="203.0.113.10").status_code == 302  # the username is not held
    assert guesser("fas.diwek", PASSWORD, forwarded_for="203.0.113.9").status_code == 302  # nor the address
    assert phone("dinas", PASSWORD, forwarded_for="203.0.113.9").status_code == 302  # nor dinas's phone there


@SQLITE_ONLY
@pytest.mark.parametrize("limited", [{"TRUSTED_PROXIES": 1, "LOGIN_LIMIT_PER_DEVICE": "3 per hour",
                                      "LOGIN_LIMIT_PER_USERNAME": "3 per hour"}], indirect=True)
def test_a_known_browser_has_a_limit_of_its_own_and_a_forged_device_cookie_counts_for_nothing(limited):
    phone = Attempts(limited)
    assert phone("dinas", PASSWORD, forwarded_for="198.51.100.1").status_code == 302
    genuine = phone.client.get_cookie(DEVICE_COOKIE, path="/auth/login").value
    forger = Attempts(limited)
    for forged in (genuine[:-4] + "AAAA", genuine + "x", "W10.forged.cookie"):
        forger.client.set_cookie(DEVICE_COOKIE, forged, path="/auth/login")
        assert forger("dinas", forwarded_for="203.0.113.1").status_code == 422
    assert forger("dinas", PASSWORD, forwarded_for="203.0.113.2").status_code == 429  # counted as unknown
    other = Attempts(limited)  # dinas's cookie does not vouch for another username
    other.client.set_cookie(DEVICE_COOKIE, genuine, path="/auth/login")
    assert [other("fas.diwek", forwarded_for="203.0.113.3").status_code for _ in range(4)] == [422] * 3 + [429]
    # A lost phone cannot guess on forever: its cookie's own limit holds it, and only it.
    assert [phone("dinas", forwarded_for="198.51.100.1").status_code for _ in range(4)] == [422] * 3 + [429]
    assert phone("dinas", PASSWORD, forwarded_for="198.51.100.1").status_code == 429
    assert forger("fas.wonosalam", PASSWORD, forwarded_for="203.0.113.2").status_code == 302


@SQLITE_ONLY
@pytest.mark.parametrize("limited", [{"RATELIMIT_STORAGE_URI": f"redis://127.0.0.1:{free_port()}"}], indirect=True)
def test_redis_store_is_used_when_configured_and_an_outage_does_not_stop_logins(limited):
    assert isinstance(limiter.storage, RedisStorage)
    attempt = Attempts(limited)
    assert attempt("fas.diwek").status_code == 422  # nothing listens there: the limit is skipped, not a 500
    assert attempt("fas.diwek", PASSWORD).status_code == 302


@SQLITE_ONLY
@pytest.mark.parametrize("limited", [{"RATELIMIT_DEFAULT": "2 per minute"}], indirect=True)
def test_a_configured_default_limit_applies_to_every_view(limited):
    """Without one, the limiter skips views that carry no limit (security.init_app); with one, it does not."""
    client = limited.test_client()
    assert [client.get("/cooperatives/").status_code for _ in range(3)] == [302, 302, 429]


@SQLITE_ONLY
def test_memory_store_by_default(limited):
    assert isinstance(limiter.storage, MemoryStorage)


# --- SQLite -----------------------------------------------------------------------------------------

def test_a_fresh_sqlite_file_runs_in_wal_mode_with_a_busy_timeout(tmp_path):
    path = tmp_path / "fresh.sqlite3"
    app = make_app(f"sqlite:///{path}")
    with app.app_context():
        assert db.session.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert db.session.execute(text("PRAGMA busy_timeout")).scalar() >= 1000
        assert db.session.execute(text("PRAGMA foreign_keys")).scalar() == 1
        db.session.remove()
        db.engine.dispose()
    with sqlite3.connect(path) as other:  # WAL is kept in the file, for every later connection
        assert other.execute("PRAGMA journal_mode").fetchone() == ("wal",)
    other.close()


# --- In Chromium: no policy violation on the key pages, and autosave still works ----------------

@pytest.mark.browser
def test_key_pages_run_under_the_policy_without_a_violation(page, browser, live_server, shot):
    from tests.test_browser import FIELD_ANSWERS, answer, complete_assessment, log_in, saved_answers

    problems = []

    def watch(page):
        page.on("console", lambda message: problems.append(f"{page.url} console {message.type}: {message.text}"))
        page.on("pageerror", lambda error: problems.append(f"{page.url} error: {error}"))
        page.expose_binding("reportViolation", lambda source, text: problems.append(f"{source['frame'].url} {text}"))
        page.add_init_script("""document.addEventListener("securitypolicyviolation", (e) =>
            window.reportViolation(`CSP ${e.violatedDirective} blocked ${e.blockedURI} at ${e.sourceFile}:${e.lineNumber}`));""")
        return page

    submitted = complete_assessment(live_server)
    with live_server.app.app_context():
        other = db.session.scalar(select(Cooperative.id).join(Cooperative.village).where(
            Village.district_code == DIWEK, Village.name != "Cukir").order_by(Cooperative.id))

    watch(page)  # the facilitator's phone
    log_in(page, live_server)
    shot(page, "facilitator-home")
    assert page.evaluate("navigator.serviceWorker.ready.then((r) => Boolean(r.active))")  # sw.js runs
    page.goto(f"{live_server.url}/assessments/new/{other}")
    page.get_by_role("button", name="Mulai penilaian").click()
    expect(page).to_have_url(re.compile(r"/sections/A$"))
    assessment_id = uuid.UUID(page.url.split("/")[-3])
    for code, value in list(FIELD_ANSWERS["A"].items())[:3]:
        answer(page, code, value)  # htmx autosave, waited for until "Tersimpan"
    shot(page, "autosaved")
    assert saved_answers(live_server, assessment_id) == {"A1": "yes", "A2": "yes", "A3": "no"}

    supervisor = watch(browser.new_page(viewport={"width": 1024, "height": 900}))
    log_in(supervisor, live_server, "supervisor")
    supervisor.goto(f"{live_server.url}/reviews/{submitted}")
    supervisor.once("dialog", lambda dialog: dialog.accept())  # "Setujui penilaian ini?"
    supervisor.get_by_role("button", name="Setujui").click()
    expect(supervisor.locator("#status")).to_have_text("Disetujui")

    dinas = watch(browser.new_page(viewport={"width": 1366, "height": 768}))
    log_in(dinas, live_server, "dinas")
    dinas.get_by_role("link", name="Kesiapan").click()
    expect(dinas.locator("table.rollup tbody tr")).to_have_count(21)
    dinas.goto(f"{live_server.url}/dashboard/{DIWEK}")
    expect(dinas.locator("td.heat:not(.empty)").first).to_be_visible()
    colour = dinas.locator("td.heat:not(.empty)").first.evaluate("(td) => getComputedStyle(td).backgroundColor")
    assert colour not in ("rgba(0, 0, 0, 0)", "transparent")  # the heat-map colours come from app.css
    shot(dinas, "heat-map")
    dinas.goto(f"{live_server.url}/instruments/")
    assert problems == []
    supervisor.close()
    dinas.close()
