"""Security headers on every response, the client's address behind a proxy, and the rate limiter's setup."""
from werkzeug.middleware.proxy_fix import ProxyFix

from app.extensions import limiter

# Every script and stylesheet is a file under /static: no inline script, style or event handler
# anywhere (tests/test_security.py scans the templates), so 'self' is all a page may load or run.
CONTENT_SECURITY_POLICY = "; ".join((
    "default-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
))
HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",  # frame-ancestors for browsers that predate it
    # Not no-referrer: over https Flask-WTF's CSRF check wants the Referer of our own pages.
    "Referrer-Policy": "same-origin",
}


def init_app(app):
    """Trust X-Forwarded-* only from the configured proxies, start the limiter, and add the headers."""
    proxies = app.config["TRUSTED_PROXIES"]
    if proxies:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies)
    limiter.init_app(app)
    if not app.config.get("RATELIMIT_DEFAULT") and not app.config.get("RATELIMIT_APPLICATION"):
        # Only the views that carry a limit (the login form) are limited, and their decorator checks it.
        # The hook Flask-Limiter adds looks for default limits on every request, the autosave's included,
        # and would find none: it cost each autosave 0.42 million of its 7.6 million instructions
        # (callgrind, in process).
        hooks = app.before_request_funcs.get(None, [])
        hooks[:] = [hook for hook in hooks if hook != limiter._check_request_limit]
    app.after_request(add_headers)


def add_headers(response):
    """The same headers on pages, fragments, downloads, static files and the service worker."""
    for name, value in HEADERS.items():
        response.headers.setdefault(name, value)
    return response
