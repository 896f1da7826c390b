"""Login, logout and remember-me, through real HTTP with CSRF on."""
from urllib.parse import urlencode, urljoin, urlsplit

import pytest
from sqlalchemy import select
from werkzeug.security import generate_password_hash

from app.auth import models
from app.auth.models import User
from app.extensions import db
from app.roles import FACILITATOR
from tests.support import DIWEK, PASSWORD, Auth, add_user, csrf_token


def test_login_page_is_indonesian(client):
    response = client.get("/auth/login")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert '<html lang="id">' in html
    assert "Nama pengguna" in html and "Kata sandi" in html and "Masuk" in html


def test_login_success_starts_session(client, auth, jombang):
    response = auth.login("fas.diwek")
    assert response.status_code == 302
    assert response.headers["Location"] == "/assessments/"  # the facilitator's home, without a detour
    assert client.get("/cooperatives/").status_code == 200


def test_login_wrong_password_is_refused_in_indonesian(client, auth, jombang):
    response = auth.login("fas.diwek", "salah-sekali")
    assert response.status_code == 422
    assert "Nama pengguna atau kata sandi salah." in response.get_data(as_text=True)
    assert client.get("/cooperatives/").status_code == 302  # still anonymous


def test_login_without_csrf_token_is_rejected(client, jombang):
    response = client.post("/auth/login", data={"username": "fas.diwek", "password": PASSWORD})
    assert response.status_code == 400
    assert "Formulir kedaluwarsa atau tidak sah" in response.get_data(as_text=True)
    assert client.get("/cooperatives/").status_code == 302


def test_login_with_forged_csrf_token_is_rejected(client, jombang):
    client.get("/auth/login")
    response = client.post("/auth/login", data={
        "csrf_token": "forged", "username": "fas.diwek", "password": PASSWORD})
    assert response.status_code == 400


def test_inactive_user_cannot_log_in(client, auth, jombang):
    db.session.scalar(select(User).where(User.username == "fas.diwek")).active = False
    db.session.commit()
    assert auth.login("fas.diwek").status_code == 422
    assert client.get("/cooperatives/").status_code == 302


def test_password_is_stored_hashed(jombang):
    user = db.session.scalar(select(User).where(User.username == "fas.diwek"))
    assert PASSWORD not in user.password_hash
    assert user.password_hash.startswith(("scrypt:", "pbkdf2:"))


def test_remember_me_sets_a_lasting_cookie(client, auth, jombang):
    auth.login("fas.diwek", remember="y")
    cookie = client.get_cookie("remember_token")
    assert cookie is not None and cookie.http_only and cookie.expires is not None


def test_login_does_not_redirect_off_site(client, auth, jombang):
    token = csrf_token(client.get("/auth/login").get_data(as_text=True))
    response = client.post("/auth/login?next=//evil.example/x", data={
        "csrf_token": token, "username": "fas.diwek", "password": PASSWORD})
    assert response.headers["Location"] == "/assessments/"


def test_login_redirects_back_to_next(client, jombang):
    response = client.get("/cooperatives/?q=Cukir")
    assert response.status_code == 302 and "/auth/login" in response.headers["Location"]
    token = csrf_token(client.get(response.headers["Location"]).get_data(as_text=True))
    response = client.post(response.headers["Location"], data={
        "csrf_token": token, "username": "fas.diwek", "password": PASSWORD})
    assert response.headers["Location"] == "/cooperatives/?q=Cukir"


def test_logout_needs_post_and_ends_session(client, auth, jombang):
    auth.login("fas.diwek")
    assert client.get("/auth/logout").status_code == 405
    response = client.post("/auth/logout", data={"csrf_token": auth.token()})
    assert response.status_code == 302
    assert client.get("/cooperatives/").status_code == 302


def test_deactivating_a_user_ends_their_session(client, auth, jombang):
    auth.login("fas.diwek")
    assert client.get("/cooperatives/").status_code == 200
    db.session.scalar(select(User).where(User.username == "fas.diwek")).active = False
    db.session.commit()
    response = client.get("/cooperatives/")
    assert response.status_code == 302 and "/auth/login" in response.headers["Location"]


def user_cookie(response):
    """The Set-Cookie of the siapkop_user marker in a response, or None."""
    return next((h for h in response.headers.getlist("Set-Cookie") if h.startswith("siapkop_user=")), None)


def test_the_user_marker_lasts_as_long_as_the_session(client, auth, jombang):
    """app.js's service worker serves kept pages only to the user this cookie names, while it lasts."""
    facilitator = db.session.scalar(select(User).where(User.username == "fas.diwek"))
    session_only = user_cookie(auth.login("fas.diwek"))
    assert session_only.startswith(f"siapkop_user={facilitator.id};") and "Max-Age" not in session_only
    assert "HttpOnly" not in session_only  # the worker reads it
    assert user_cookie(client.get("/cooperatives/")) is None  # set once, not on every reply
    logout = client.post("/auth/logout", data={"csrf_token": auth.token()})
    assert user_cookie(logout).startswith("siapkop_user=;") and client.get_cookie("siapkop_user") is None

    remembered = user_cookie(auth.login("fas.diwek", remember="y"))
    assert f"Max-Age={30 * 24 * 3600}" in remembered  # as long as "Ingat saya"


def test_a_session_that_ended_elsewhere_loses_its_marker_at_the_login_page(client, auth, jombang):
    auth.login("fas.diwek")
    client.delete_cookie("session")  # the browser restarted, or the server ended the session
    assert client.get_cookie("siapkop_user") is not None
    client.get("/auth/login")
    assert client.get_cookie("siapkop_user") is None


def test_the_session_state_names_only_the_user_asking(client, auth, jombang):
    assert client.get("/auth/session").get_json() == {"user": None, "csrf": None}
    auth.login("supervisor")
    state = client.get("/auth/session").get_json()
    supervisor = db.session.scalar(select(User).where(User.username == "supervisor"))
    assert state["user"] == supervisor.id and state["csrf"]
    # the token it gives is this session's: a change sent with it is accepted
    assert client.post("/language/en", headers={"X-CSRFToken": state["csrf"]}).status_code == 302


def test_an_outbox_sent_after_the_session_ended_gets_a_reason_not_a_page(client, jombang):
    response = client.post("/assessments/sync", json={"ops": []})
    assert response.status_code in (400, 401)
    assert response.status_code == 400 or response.get_json()["reason"] == "login"


# --- Sessions end with logout, a new password and deactivation (a saved cookie cannot come back) ----

SAVED = ({"session"}, {"remember_token"}, {"session", "remember_token"})


def saved_cookies(client):
    """The session and remember cookies a browser holds, as someone copying them would keep them."""
    return {name: client.get_cookie(name).value for name in ("session", "remember_token")}


def replay(app, cookies, names, htmx=False):
    """A request for a page from a new browser holding only the saved cookies `names`."""
    thief = app.test_client()
    for name in names:
        thief.set_cookie(name, cookies[name])
    return thief.get("/cooperatives/", headers={"HX-Request": "true"} if htmx else {})


def assert_replays(app, cookies, work):
    """Every saved cookie, alone or together, still gives the page (`work`) or lands on the login page."""
    for names in SAVED:
        page, fragment = replay(app, cookies, names), replay(app, cookies, names, htmx=True)
        if work:
            assert page.status_code == fragment.status_code == 200, names
        else:
            assert page.status_code == 302 and page.headers["Location"].startswith("/auth/login"), names
            assert fragment.status_code == 401 and fragment.headers["HX-Redirect"].startswith("/auth/login"), names


def logged_in_with_saved_cookies(app, client, auth, username):
    """Log `username` in with "Ingat saya" and keep a copy of their cookies, which work for now."""
    assert auth.login(username, remember="y").status_code == 302
    cookies = saved_cookies(client)
    assert_replays(app, cookies, work=True)
    return cookies


def edit_user(app, username, **changes):
    """Dinas edits `username` on the users form, from their own browser."""
    target = db.session.scalar(select(User).where(User.username == username))
    url, form = f"/users/{target.id}/edit", {"name": target.name, "role": target.role,
                                              "districts": [d.code for d in target.districts], "active": "y"}
    admin = app.test_client()
    Auth(admin).login("dinas")
    response = admin.post(url, data={"csrf_token": Auth(admin).token(), **form, **changes})
    assert response.status_code == 302
    return admin


def test_logout_ends_the_session_and_its_remember_cookie(app, client, auth, jombang):
    cookies = logged_in_with_saved_cookies(app, client, auth, "fas.diwek")
    other_phone = app.test_client()
    Auth(other_phone).login("fas.diwek")
    assert client.post("/auth/logout", data={"csrf_token": auth.token()}).status_code == 302
    assert_replays(app, cookies, work=False)
    assert other_phone.get("/cooperatives/").status_code == 302  # logging out ends every session of theirs
    assert auth.login("fas.diwek").status_code == 302
    assert client.get("/cooperatives/").status_code == 200


def test_a_new_password_from_the_admin_ends_every_session_of_the_user(app, client, auth, jombang):
    cookies = logged_in_with_saved_cookies(app, client, auth, "fas.diwek")
    admin = edit_user(app, "fas.diwek", password="sandi-baru-123")
    assert_replays(app, cookies, work=False)
    assert client.get("/cooperatives/").status_code == 302
    assert admin.get("/users/").status_code == 200
    assert auth.login("fas.diwek").status_code == 422  # the old password is gone
    assert auth.login("fas.diwek", "sandi-baru-123").status_code == 302
    assert client.get("/cooperatives/").status_code == 200


def test_an_admins_own_new_password_keeps_this_browser_and_ends_the_others(app, client, auth, jombang):
    cookies = logged_in_with_saved_cookies(app, client, auth, "dinas")
    admin = edit_user(app, "dinas", password="sandi-baru-123")
    assert_replays(app, cookies, work=False)
    assert admin.get("/users/").status_code == 200


def test_deactivating_and_reactivating_ends_every_session(app, client, auth, jombang):
    cookies = logged_in_with_saved_cookies(app, client, auth, "fas.diwek")
    edit_user(app, "fas.diwek", active="")
    assert_replays(app, cookies, work=False)
    edit_user(app, "fas.diwek")
    assert db.session.scalar(select(User.active).where(User.username == "fas.diwek"))
    assert_replays(app, cookies, work=False)
    assert client.get("/cooperatives/").status_code == 302
    assert auth.login("fas.diwek").status_code == 302
    assert client.get("/cooperatives/").status_code == 200


# --- The next page after logging in or switching language stays on this site -----------------------

HOSTILE_NEXT = ["////evil.example", "//evil.example/x", "/\\evil.example", "\\/evil.example", "/%2F/evil.example",
                "/%2f%2fevil.example", "/%5Cevil.example", "http://evil.example", "https:evil.example",
                "javascript:alert(1)", "/\t/evil.example", "/\n/evil.example", "\t//evil.example",
                " //evil.example", "/%09/evil.example", "///\\evil.example"]


def assert_same_site(response, default="/"):
    """A redirect to `default`, a path on this site, whatever a browser makes of it."""
    location = response.headers["Location"]
    assert response.status_code == 302
    assert location == default, location
    assert urlsplit(urljoin("http://localhost/auth/login", location)).netloc == "localhost"


@pytest.mark.parametrize("target", HOSTILE_NEXT)
def test_login_never_redirects_off_site(client, jombang, target):
    token = csrf_token(client.get("/auth/login").get_data(as_text=True))
    response = client.post("/auth/login?" + urlencode({"next": target}), data={
        "csrf_token": token, "username": "fas.diwek", "password": PASSWORD})
    assert_same_site(response, "/assessments/")
    assert client.get("/cooperatives/").status_code == 200


@pytest.mark.parametrize("target", HOSTILE_NEXT)
def test_language_switch_never_redirects_off_site(client, jombang, target):
    token = csrf_token(client.get("/auth/login").get_data(as_text=True))
    assert_same_site(client.post("/language/en", data={"csrf_token": token, "next": target}))
    assert client.post("/language/id", data={"csrf_token": token, "next": "/auth/login?x=1"}).headers[
        "Location"] == "/auth/login?x=1"


# --- A login does the same hash work whether or not the username exists -----------------------------

@pytest.fixture
def hash_checks(monkeypatch):
    """The hashes each password check of the login compares against, in order."""
    checked = []
    real = models.check_password_hash

    def spy(pwhash, password):
        checked.append(pwhash)
        return real(pwhash, password)
    monkeypatch.setattr(models, "check_password_hash", spy)
    return checked


@pytest.mark.parametrize("username", ["fas.diwek", "tidak.ada", "nonaktif"])
def test_a_failed_login_checks_one_hash_of_the_same_kind_whoever_is_named(client, auth, jombang, hash_checks,
                                                                          username):
    """Wrong password for a user, an unknown username, a deactivated user: one check of a hash of the
    algorithm and cost new passwords get (the time taken cannot tell them apart)."""
    add_user("nonaktif", FACILITATOR, (DIWEK,), active=False)
    for user in db.session.scalars(select(User).where(User.username.in_(("fas.diwek", "nonaktif")))):
        user.set_password(PASSWORD)  # a hash of the app's kind, not the test users' cheaper one
    db.session.commit()
    response = auth.login(username, "salah-sekali")
    assert response.status_code == 422
    assert "Nama pengguna atau kata sandi salah." in response.get_data(as_text=True)
    assert len(hash_checks) == 1
    method = lambda pwhash: pwhash.split("$")[0]  # noqa: E731  e.g. "scrypt:32768:8:1"
    assert method(hash_checks[0]) == method(generate_password_hash("x"))
    assert client.get("/cooperatives/").status_code == 302


def test_a_deactivated_user_with_the_right_password_checks_one_hash_and_stays_out(client, auth, jombang, hash_checks):
    add_user("nonaktif", FACILITATOR, (DIWEK,), active=False)
    db.session.commit()
    assert auth.login("nonaktif").status_code == 422
    assert len(hash_checks) == 1
    assert client.get("/cooperatives/").status_code == 302
