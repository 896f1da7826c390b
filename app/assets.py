"""Static files: kept for a year by the browser under a URL that names their content, sent gzipped.

A page links each file as `asset(name)`, /static/<name>?v=<fingerprint of its bytes>. A changed file gets
a new URL, so the old one can be kept for good: a returning phone asks for none of them. Any other URL of
a static file (no fingerprint, or another deploy's) gets the file with no-cache and an ETag, so it is
revalidated, never kept stale. Each worker reads and gzips a file once, at its first request, and again
only when the file changes. HTML pages are gzipped per response in app/compression.py.
"""
import gzip
import hashlib
import mimetypes
import os
import stat
from dataclasses import dataclass
from functools import lru_cache

from flask import Response, current_app, request, url_for
from werkzeug.exceptions import NotFound
from werkzeug.security import safe_join

FOREVER = "public, max-age=31536000, immutable"
REVALIDATE = "no-cache"
COMPRESSIBLE = ("text/", "application/javascript", "application/json", "application/manifest+json", "image/svg+xml")


def init_app(app):
    """Serve /static/ with the views here, and give templates `asset`."""
    app.view_functions["static"] = serve
    app.add_template_global(asset)


@dataclass(frozen=True)
class Body:
    """What a response sends: the bytes, their gzip if smaller, and a fingerprint of the bytes."""
    data: bytes
    gzipped: bytes | None
    digest: str
    mimetype: str


def encode(data, mimetype):
    """`data` ready to send as `mimetype`, gzipped once here (the same bytes on every server: no timestamp)."""
    packed = gzip.compress(data, 9, mtime=0) if mimetype.startswith(COMPRESSIBLE) else None
    return Body(data, packed if packed and len(packed) < len(data) else None,
                hashlib.sha256(data).hexdigest()[:12], mimetype)


def send(body, cache_control):
    """`body` gzipped for a browser that takes gzip, as it is otherwise; 304 if the browser's copy is current."""
    zipped = body.gzipped is not None and request.accept_encodings.quality("gzip") > 0
    response = Response(body.gzipped if zipped else body.data, mimetype=body.mimetype)
    if body.gzipped is not None:
        response.vary.add("Accept-Encoding")
    if zipped:
        response.headers["Content-Encoding"] = "gzip"
    response.set_etag(body.digest + ("-gzip" if zipped else ""))  # each encoding has its own tag
    response.headers["Cache-Control"] = cache_control
    return response.make_conditional(request)


def static_file(name):
    """The static file `name`, read and encoded once per version of it (NotFound if there is none)."""
    path = safe_join(current_app.static_folder, name)
    try:
        info = os.stat(path) if path else None
    except OSError:
        info = None
    if info is None or not stat.S_ISREG(info.st_mode):
        raise NotFound()
    return read(path, info.st_mtime_ns, info.st_size)


@lru_cache(maxsize=64)
def read(path, _mtime_ns, _size):
    """The file at `path`, cached under its modification time and size, so an edited file is read anew."""
    with open(path, "rb") as fh:
        data = fh.read()
    return encode(data, mimetypes.guess_type(path)[0] or "application/octet-stream")


def fingerprint(name):
    """The fingerprint of the static file `name`: it changes when the file does."""
    return static_file(name).digest


def asset(name):
    """The URL of the static file `name` that browsers may keep for good: it names the file's content."""
    return url_for("static", filename=name, v=fingerprint(name))


def serve(filename):
    """A static file: kept a year under its fingerprinted URL, revalidated under any other."""
    body = static_file(filename)
    return send(body, FOREVER if request.args.get("v") == body.digest else REVALIDATE)
