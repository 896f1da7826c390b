"""Photo bytes read and written: kept in the session with their row (the caller commits), and served."""
import hashlib

from flask import Response, abort, request
from sqlalchemy import delete, select

from app.extensions import db
from app.storage.models import PhotoBytes


def keep(photo_id, jpeg, thumb=None):
    """Add a photo's JPEG (and thumbnail) to the session, to commit with the row it belongs to."""
    row = PhotoBytes(id=photo_id, jpeg=jpeg, thumb=thumb, size=len(jpeg), sha256=hashlib.sha256(jpeg).hexdigest())
    db.session.add(row)
    return row


def forget(photo_id):
    """Remove a photo's bytes in the session's transaction, with the row that named them."""
    db.session.execute(delete(PhotoBytes).where(PhotoBytes.id == photo_id))


def jpeg_of(photo_id):
    """The stored JPEG of `photo_id`, or None."""
    return db.session.scalar(select(PhotoBytes.jpeg).where(PhotoBytes.id == photo_id))


def served(photo_id, thumb=False):
    """The photo's JPEG (or its thumbnail) as a response, revalidated by its ETag; 404 if none is stored.
    Only the column asked for is read, so a list of thumbnails never loads the photos."""
    column = PhotoBytes.thumb if thumb else PhotoBytes.jpeg
    row = db.session.execute(select(column, PhotoBytes.sha256, PhotoBytes.created_at)
                             .where(PhotoBytes.id == photo_id)).first()
    if row is None or row[0] is None:
        abort(404)
    data, digest, created_at = row
    response = Response(data, mimetype="image/jpeg")
    # A photo's bytes never change under its id: the JPEG's digest names both it and its thumbnail.
    response.set_etag(f"{digest[:32]}-thumb" if thumb else digest[:32])
    response.last_modified = created_at
    response.headers["X-Content-Type-Options"] = "nosniff"  # always read as the JPEG we wrote, never sniffed
    return response.make_conditional(request)
