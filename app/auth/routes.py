"""Login and logout views."""
from flask import current_app, flash, jsonify, make_response, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user
from flask_wtf.csrf import generate_csrf
from sqlalchemy import bindparam, select

from app.auth import bp
from app.auth.forms import LoginForm
from app.auth.models import User, password_matches
from app.auth.throttle import login_limits, remember_device
from app.extensions import db, login
from app.navigation import HOME, safe_next
from app.rendering import form_page


@login.user_loader
def load_user(token):
    """The user whose session token the cookie carries; a deactivated user is logged out at their next request."""
    user = db.session.scalar(USER, {"token": token})
    return user if user is not None and user.active else None


# Built once, not per request: every logged-in request reads it, the autosave (the phone's hot path) included.
USER = select(User).where(User.session_token == bindparam("token"))
# Who is logged in on this browser, readable by app.js and its service worker (not the session: that
# cookie is HttpOnly). It lasts as long as the session, so pages kept on the phone are served offline to
# that user alone, and to nobody once the session is over (a browser restart without "Ingat saya").
USER_COOKIE = "siapkop_user"


@login.unauthorized_handler
def unauthorized():
    """Send an anonymous user to the login page; an htmx request is redirected as a whole page."""
    target = url_for("auth.login_page", next=request.full_path.rstrip("?") if request.method == "GET" else None)
    if request.htmx:
        response = make_response("", 401)
        response.headers["HX-Redirect"] = target
        return response
    if request.is_json:  # the phone's outbox: it keeps the changes and asks the facilitator to log in
        return jsonify(reason="login", login=target), 401
    flash(_("Silakan masuk terlebih dahulu."), "info")
    return redirect(target)


def refused(_limit):
    """The login page again, with status 429 and why, instead of a bare error page."""
    return show_login(LoginForm(), 429, _("Terlalu banyak percobaan masuk yang gagal. "
                                         "Tunggu beberapa menit, lalu coba lagi."))


def show_login(form, status=None, refusal=None):
    """The login page (422 when refused); it warns when the session cookie cannot come back over this
    plain-http address."""
    insecure = current_app.config["SESSION_COOKIE_SECURE"] and not request.is_secure
    page, refused = form_page("auth/login.html", form, refusal=refusal, insecure=insecure)
    return make_response(page, status or refused)


@bp.route("/login", methods=["GET", "POST"])
@login_limits(on_breach=refused)
def login_page():
    """Show the login form; on valid credentials start a session and remember this browser."""
    if current_user.is_authenticated:
        return redirect(url_for("main.index"))
    form = LoginForm()
    if request.method == "GET" and USER_COOKIE in request.cookies:  # the session ended: its pages go unserved
        response = show_login(form)
        response.delete_cookie(USER_COOKIE)
        return response
    if form.validate_on_submit():
        user = db.session.scalar(select(User).where(User.username == form.username.data.strip().lower()))
        if password_matches(user, form.password.data):
            login_user(user, remember=form.remember.data)
            home = redirect(safe_next(request.args.get("next"), url_for(HOME[user.role])))
            return mark_user(remember_device(home, user.username), user, form.remember.data)
        form.password.errors.append(_("Nama pengguna atau kata sandi salah."))
    return show_login(form)


@bp.get("/session")
def session_state():
    """Who this browser is logged in as, with a CSRF token for the session: app.js asks when its outbox
    was refused, to tell an expired token (send again) from an ended session (log in again)."""
    user = current_user.id if current_user.is_authenticated else None
    return jsonify(user=user, csrf=generate_csrf() if user else None)


@bp.post("/logout")
@login_required
def logout():
    """End the session (a POST, so it carries the CSRF token).

    The user's token changes, so a copy of this session or its remember cookie cannot come back; their
    other browsers are logged out too: for a facilitator with one phone that is what logging out means,
    and it needs no table of sessions read on every request."""
    current_user.end_sessions()
    db.session.commit()
    logout_user()
    flash(_("Anda sudah keluar."), "info")
    response = redirect(url_for("auth.login_page"))
    response.delete_cookie(USER_COOKIE)
    return response


def mark_user(response, user, remember):
    """Name `user` in the marker cookie: for as long as the remember cookie lasts, or the browser session.
    Set at login only (every session begins there), so no other request pays for it."""
    config = current_app.config
    response.set_cookie(USER_COOKIE, str(user.id), samesite="Lax", secure=config["SESSION_COOKIE_SECURE"],
                        max_age=config["REMEMBER_COOKIE_DURATION"] if remember else None)
    return response
