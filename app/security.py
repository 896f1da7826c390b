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
# Pages, fragments, exports and photos hold personal data (and a page its CSRF token): no browser or proxy
# cache keeps them. The service worker keeps what it keeps through the Cache API, which ignores this.
NO_STORE = ("Cache-Control", "no-store")
SERVICE_WORKER = "/sw.js"  # it says no-cache itself: the browser checks for a new one on every load


def init_app(app):
    """Trust X-Forwarded-* only from the configured proxies, start the limiter, and add the headers."""
    proxies = app.config["TRUSTED_PROXIES"]
    if proxies:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies)
    limiter.init_app(app)
    if not app.config.get("RATELIMIT_DEFAULT") and not app.config.get("RATELIMIT_APPLICATION"):
        # Only the views that carry a limit (the login form) are limited, and their decorator checks it.
        # The hook Flask-Limiter adds would look for default limits on every request and find none: a
        # cost each request pays, and the autosave (the phone's hot path) most often.
        hooks = app.before_request_funcs.get(None, [])
        hooks[:] = [hook for hook in hooks if hook != limiter._check_request_limit]
    served_by = app.config.get("SERVED_BY")
    app.wsgi_app = ResponseHeaders(app.wsgi_app, own_caching=(f"{app.static_url_path}/", SERVICE_WORKER),
                                   extra=(("X-Served-By", served_by),) if served_by else ())


class ResponseHeaders:
    """WSGI middleware: HEADERS on every response that lacks them (pages, fragments, downloads, static
    files, the service worker), HX-Request in its Vary, as htmx and full-page answers differ for one
    URL, and the one rule of caching: Cache-Control: no-store, except on the paths starting with one of
    `own_caching` (static files, the service worker) when their view set its own. Done on the WSGI header
    list, which costs less than Werkzeug's Headers in after_request hooks: every response pays it, and
    the autosave's reply, the phone's most frequent, is small enough for it to count. `extra` headers go on
    every response as they are (X-Served-By, when the server has a name)."""

    def __init__(self, app, own_caching=(), extra=()):
        self.app, self.own_caching, self.extra = app, tuple(own_caching), list(extra)

    def __call__(self, environ, start_response):
        may_cache = environ.get("PATH_INFO", "").startswith(self.own_caching)

        def start(status, headers, exc_info=None):
            return start_response(status, with_ours(headers, may_cache) + self.extra, exc_info)
        return self.app(environ, start)


def with_ours(headers, may_cache=False):
    """The WSGI header list `headers`, with HEADERS where missing, HX-Request in Vary, and no-store in place
    of any caching the view asked for, unless it `may_cache` and did ask. What may be cached is the same for
    every user: Cookie leaves its Vary (Flask adds it, as Flask-Login reads the session after every view),
    or a browser would fetch every static file again after a login."""
    present = {name.lower(): i for i, (name, _) in enumerate(headers)}
    ours = [(name, value) for name, value in HEADERS.items() if name.lower() not in present]
    shared = may_cache and "cache-control" in present
    if not shared:
        if "cache-control" in present or "expires" in present:  # rare: the photo and send_file set them
            headers = [(name, value) for name, value in headers if name.lower() not in ("cache-control", "expires")]
            present = {name.lower(): i for i, (name, _) in enumerate(headers)}
        ours.append(NO_STORE)
    headers = [*headers, *ours]
    vary = present.get("vary")
    if vary is None:
        headers.append(("Vary", "HX-Request"))
        return headers
    value = headers[vary][1]
    if shared:
        value = ", ".join(name for name in map(str.strip, value.split(",")) if name.lower() != "cookie")
    if "hx-request" not in value.lower():
        value = f"{value}, HX-Request" if value else "HX-Request"
    headers[vary] = ("Vary", value)
    return headers
