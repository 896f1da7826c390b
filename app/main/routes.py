"""Home and language switch."""
from flask import current_app, redirect, request, session, url_for
from flask_login import current_user

from app.auth.models import FACILITATOR
from app.main import bp
from app.navigation import safe_next


@bp.get("/")
def index():
    """Send a facilitator to their visits, others to their cooperatives, anonymous users to log in."""
    if current_user.is_authenticated:
        return redirect(url_for("assessments.index" if current_user.role == FACILITATOR else "cooperatives.index"))
    return redirect(url_for("auth.login_page"))


@bp.post("/language/<lang>")
def language(lang):
    """Remember the chosen UI language in the session and go back (CSRF checked by CSRFProtect)."""
    if lang in current_app.config["LANGUAGES"]:
        session["lang"] = lang
    return redirect(safe_next(request.form.get("next"), url_for("main.index")))


@bp.after_app_request
def vary_on_htmx(response):
    """htmx and full-page answers differ for one URL; tell caches so."""
    response.vary.add("HX-Request")
    return response
