"""Where to send a user: their home, and after a form only ever back into this site."""
import re
from urllib.parse import unquote, urlsplit

from app.roles import ADMIN, FACILITATOR, SUPERVISOR

# Each role's home: a facilitator's visits, a supervisor's review queue, the Dinas's cooperatives.
HOME = {FACILITATOR: "assessments.index", SUPERVISOR: "reviews.index", ADMIN: "cooperatives.index"}

# Browsers read a backslash as a slash and drop tabs and newlines from a URL, so `/\host` and
# `/<tab>/host` would lead to another site.
UNSAFE = re.compile(r"[\x00-\x1f\x7f\\]")


def safe_next(target, default):
    r"""`target` if it is a path on this site, else `default` (no open redirects).

    `//host`, `////host` and `/\host` name another site; `/%2F/host` is refused too, as a proxy or a
    later decode may turn it into `//host`."""
    if not target or not target.startswith("/") or UNSAFE.search(target):
        return default
    parts = urlsplit(target)
    path = unquote(parts.path)
    if parts.scheme or parts.netloc or path.startswith("//") or UNSAFE.search(path):
        return default
    return target
