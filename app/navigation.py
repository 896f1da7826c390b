"""Where to send a user after a form: only ever back into this site."""
from urllib.parse import urlsplit


def safe_next(target, default):
    """`target` if it is a path on this site, else `default` (no open redirects)."""
    if not target or "\\" in target:
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/"):
        return default
    return target
