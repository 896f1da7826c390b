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
    app.wsgi_app = ResponseHeaders(app.wsgi_app)


class ResponseHeaders:
    """WSGI middleware: HEADERS on every response that lacks them (pages, fragments, downloads, static
    files, the service worker), and HX-Request in its Vary, as htmx and full-page answers differ for one
    URL. Done on the WSGI header list: through Werkzeug's Headers in after_request hooks, the same cost
    each autosave 0.2 million of its 6.2 million instructions (callgrind, in process)."""

    def __init__(self, app):
        self.app = app

    def __call__(self, environ, start_response):
        def start(status, headers, exc_info=None):
            return start_response(status, with_ours(headers), exc_info)
        return self.app(environ, start)


def with_ours(headers):
    """The WSGI header list `headers`, with HEADERS where missing and HX-Request in Vary."""
    present = {name.lower(): i for i, (name, _) in enumerate(headers)}
    headers = [*headers, *((name, value) for name, value in HEADERS.items() if name.lower() not in present)]
    vary = present.get("vary")
    if vary is None:
        headers.append(("Vary", "HX-Request"))
    elif "hx-request" not in headers[vary][1].lower():
        headers[vary] = ("Vary", f"{headers[vary][1]}, HX-Request")
    return headers
