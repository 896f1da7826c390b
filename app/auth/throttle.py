"""The login form's limits, which slow guessing without letting a stranger lock the real user out.

A browser that has logged in as a user keeps a signed device cookie naming them (OWASP's "device
cookies"). Logins for that username from that browser count only against the cookie's own limit;
every other login counts against its address, its (username, address) pair and the username. So
guesses spread over many addresses block the username for unknown browsers only, and the user's
own phone still gets in, from any address.
"""
import secrets

from flask import current_app, request, url_for
from flask_limiter.util import get_remote_address
from itsdangerous import BadData, URLSafeTimedSerializer

from app.extensions import limiter

DEVICE_COOKIE = "login_device"


def failed(response):
    """Every login attempt but a successful one (a redirect) counts against the limits."""
    return response.status_code != 302


def tried_username():
    """The username of the attempt, spelled as the login looks it up."""
    return (request.form.get("username") or "").strip().lower()[:64]


def username_key():
    return "login:" + tried_username()


def username_address_key():
    return f"login:{tried_username()}@{get_remote_address()}"


def signer():
    return URLSafeTimedSerializer(current_app.secret_key, salt="login-device")


def device_key():
    """The limit key of this browser's device cookie if it is genuine and names the username tried, else ""."""
    try:
        username, nonce = signer().loads(request.cookies.get(DEVICE_COOKIE, ""), max_age=int(
            current_app.config["LOGIN_DEVICE_COOKIE_DURATION"].total_seconds()))
    except (BadData, TypeError, ValueError):
        return ""
    return f"device:{nonce}" if username == tried_username() and isinstance(nonce, str) else ""


def known_device():
    return bool(device_key())


def unknown_device():
    return not device_key()


def login_limits(on_breach):
    """The login view's limits on failed POSTs; `on_breach` gives the response when one is reached."""
    config = lambda name: lambda: current_app.config[name]  # noqa: E731  read per request: tests change them
    limits = [(config("LOGIN_LIMIT_PER_ADDRESS"), get_remote_address, known_device),
              (config("LOGIN_LIMIT_PER_USERNAME_ADDRESS"), username_address_key, known_device),
              (config("LOGIN_LIMIT_PER_USERNAME"), username_key, known_device),
              (config("LOGIN_LIMIT_PER_DEVICE"), device_key, unknown_device)]

    def decorate(view):
        for value, key, exempt in limits:
            view = limiter.limit(value, key_func=key, exempt_when=exempt, methods=["POST"],
                                 deduct_when=failed, on_breach=on_breach)(view)
        return view
    return decorate


def remember_device(response, username):
    """Mark this browser as one `username` has logged in from, with a new cookie (sent to the login form only)."""
    duration = current_app.config["LOGIN_DEVICE_COOKIE_DURATION"]
    response.set_cookie(DEVICE_COOKIE, signer().dumps([username, secrets.token_urlsafe(16)]),
                        max_age=int(duration.total_seconds()), path=url_for("auth.login_page"),
                        secure=current_app.config["SESSION_COOKIE_SECURE"], httponly=True, samesite="Lax")
    return response
