"""Language choice, the programme's calendar day, and Indonesian number and date formats for templates."""
from flask import current_app, has_request_context, session
from flask_babel import format_date, format_datetime, format_decimal, get_locale

from app import clock


def select_locale():
    """Bahasa Indonesia unless the user chose another supported language."""
    lang = session.get("lang") if has_request_context() else None
    return lang if lang in current_app.config["LANGUAGES"] else current_app.config["BABEL_DEFAULT_LOCALE"]


def today():
    """Today's date where the programme works (TIMEZONE, default Asia/Jakarta; see clock.today)."""
    return clock.today(current_app.config["BABEL_DEFAULT_TIMEZONE"])


def decimal(value, digits=1):
    """A score, mean or share as pages show it: rounded, in the locale's format, or – where there is none."""
    return "–" if value is None else format_decimal(round(value, digits))


def init_app(app):
    app.jinja_env.globals["get_locale"] = get_locale
    app.jinja_env.filters["number"] = lambda value: "" if value is None else format_decimal(value)
    app.jinja_env.filters["decimal"] = decimal
    app.jinja_env.filters["date"] = lambda value: "" if value is None else format_date(value, "long")
    app.jinja_env.filters["tr"] = lambda text: "" if text is None else text.get(get_locale().language)
    app.jinja_env.filters["datetime"] = lambda value: "" if value is None else format_datetime(value, "medium")
