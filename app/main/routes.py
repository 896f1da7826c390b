"""Home, the language switch, and what makes the app installable and usable offline."""
import hashlib
import json
from functools import lru_cache

from flask import Response, current_app, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.assets import asset, encode, fingerprint, send, static_file
from app.main import bp
from app.navigation import HOME, safe_next


@bp.get("/")
def index():
    """The user's home (navigation.HOME), shown here rather than redirected to: the installed app opens
    here, so it takes one round trip on a weak signal, and it is a page the service worker keeps."""
    if current_user.is_authenticated:
        return current_app.view_functions[HOME[current_user.role]]()
    return redirect(url_for("auth.login_page"))


@bp.post("/language/<lang>")
def language(lang):
    """Remember the chosen UI language in the session and go back (CSRF checked by CSRFProtect)."""
    if lang in current_app.config["LANGUAGES"]:
        session["lang"] = lang
    return redirect(safe_next(request.form.get("next"), url_for("main.index")))


# --- Installable and offline: the web app manifest, the service worker, and the offline page ------

STATIC_FILES = ("app.css", "htmx.min.js", "app.js", "attendance.js")


def static_version():
    """A fingerprint of the files the worker keeps: it changes with every deploy that changes one of them."""
    return hashlib.sha256(" ".join(map(fingerprint, STATIC_FILES)).encode()).hexdigest()[:12]


@bp.get("/sw.js")
def service_worker():
    """app.js run as the service worker, told this deploy's cache version and files to keep. The browser
    checks it for changes as it opens pages: it comes gzipped, and as a 304 while it is unchanged."""
    return send(worker_script(static_version(), tuple(map(asset, STATIC_FILES)), url_for("main.offline")),
                "no-cache")


@lru_cache(maxsize=4)
def worker_script(version, files, offline):
    """The service worker of one deploy, encoded once."""
    script = (f"var VERSION = {json.dumps(version)}, FILES = {json.dumps([*files, offline])}, "
              f"OFFLINE = {json.dumps(offline)};\n"
              + static_file("app.js").data.decode())
    return encode(script.encode(), "text/javascript")


@bp.get("/manifest.webmanifest")
def manifest():
    """What a phone needs to install SiapKop on its home screen."""
    return Response(json.dumps({
        "name": "SiapKop", "short_name": "SiapKop", "lang": "id", "start_url": "/", "scope": "/",
        "display": "standalone", "background_color": "#ffffff", "theme_color": "#a4001d",
        "description": _("Penilaian kesiapan tata kelola Koperasi Desa/Kelurahan Merah Putih"),
        "icons": [{"src": asset(f"icons/icon-{size}.png"), "sizes": f"{size}x{size}",
                   "type": "image/png", "purpose": "any"} for size in (192, 512)],
    }), mimetype="application/manifest+json")


@bp.get("/offline")
def offline():
    """Shown by the service worker for a page that was not prepared before the signal went."""
    return render_template("offline.html")
