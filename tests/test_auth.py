"""Login, logout and remember-me, through real HTTP with CSRF on."""
from sqlalchemy import select

from app.auth.models import User
from app.extensions import db
from tests.conftest import PASSWORD, csrf_token


def test_login_page_is_indonesian(client):
    response = client.get("/auth/login")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert '<html lang="id">' in html
    assert "Nama pengguna" in html and "Kata sandi" in html and "Masuk" in html


def test_login_success_starts_session(client, auth, jombang):
    response = auth.login("fas.diwek")
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
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
    assert response.headers["Location"] == "/"


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
