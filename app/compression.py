"""Pages sent gzipped to a browser that takes it: on a weak signal the bytes of a page are its wait."""
import gzip

from flask import request

MIN_BYTES = 2048  # an autosave's reply stays below this: it is sent as it is, at no cost


def init_app(app):
    app.after_request(compress)


def compress(response):
    """Gzip a whole HTML page (not a stream, not a file sent as it is) for a browser that accepts gzip."""
    if (response.mimetype != "text/html" or response.direct_passthrough or response.is_streamed
            or "gzip" not in request.headers.get("Accept-Encoding", "") or "Content-Encoding" in response.headers):
        return response
    body = response.get_data()
    if len(body) < MIN_BYTES:
        return response
    response.set_data(gzip.compress(body, 6))
    response.headers["Content-Encoding"] = "gzip"
    response.vary.add("Accept-Encoding")
    return response
