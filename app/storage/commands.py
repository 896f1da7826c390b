"""`flask photos migrate`: move the photos kept as files under PHOTO_FOLDER into the database."""
import hashlib
from collections import Counter
from pathlib import Path

import click
from flask.cli import with_appcontext
from sqlalchemy import select

from app.assessments.models import Photo
from app.assessments.photo_routes import photo_folder
from app.assessments.photos import PhotoError, make_thumbnail
from app.extensions import db
from app.followup.models import FollowupAction
from app.storage.models import PhotoBytes
from app.storage.photos import keep

PROBLEMS = ("missing", "damaged")


@click.group("photos")
def command():
    """Evidence photos kept in the database."""


@command.command("migrate")
@click.option("--remove", is_flag=True, help="Delete each file once its bytes are in the database and verified.")
@with_appcontext
def migrate(remove):
    """Move every photo file under PHOTO_FOLDER into the database, one commit per photo: rerun it to resume."""
    folder = Path(photo_folder())
    outcomes = Counter()
    for photo_id, name, thumb_name, size in wanted():
        outcome = move(folder, photo_id, name, thumb_name, size)
        outcomes[outcome] += 1
        if outcome in PROBLEMS:
            click.echo(f"{outcome}: {folder / name}", err=True)
        elif remove and remove_files(folder, photo_id, name, thumb_name):
            outcomes["removed"] += 1
    click.echo(f"Photos moved: {outcomes['moved']}, already in the database: {outcomes['present']}, "
               f"missing: {outcomes['missing']}, damaged: {outcomes['damaged']}"
               + (f"; files removed: {outcomes['removed']}" if remove else "; files kept"))
    if any(outcomes[problem] for problem in PROBLEMS):
        raise click.ClickException("some photos were not moved (listed above); the others are in the database")


def wanted():
    """(photo id, file name, thumbnail file name or None, expected size or None) of every photo a row names."""
    for photo in db.session.execute(select(Photo.id, Photo.assessment_id, Photo.size).order_by(Photo.id)).all():
        row = Photo(id=photo.id, assessment_id=photo.assessment_id)
        yield photo.id, row.filename, row.thumb_filename, photo.size
    for photo_id in db.session.scalars(select(FollowupAction.photo_id).where(FollowupAction.photo_id.is_not(None))
                                       .order_by(FollowupAction.photo_id)).all():
        yield photo_id, f"actions/{photo_id}.jpg", None, None


def move(folder, photo_id, name, thumb_name, size):
    """Move one photo's file (and thumbnail: made if it never was) into the database unless it is there,
    and check the database gives back the file's bytes. Returns "moved", "present", "missing" or "damaged"."""
    if stored_digest(photo_id) is not None:
        return "present"
    try:
        jpeg = Path(folder, name).read_bytes()
        thumb = thumbnail(folder, thumb_name, jpeg) if thumb_name else None
    except FileNotFoundError:
        return "missing"
    except PhotoError:
        return "damaged"
    if size is not None and len(jpeg) != size:
        return "damaged"
    keep(photo_id, jpeg, thumb)
    db.session.commit()
    db.session.expunge_all()  # read back what the database holds, not the object just added
    back = db.session.scalar(select(PhotoBytes.jpeg).where(PhotoBytes.id == photo_id))
    return "moved" if sha256(back) == sha256(jpeg) == stored_digest(photo_id) else "damaged"


def thumbnail(folder, thumb_name, jpeg):
    """The thumbnail kept beside a photo, or one made now for a photo kept before thumbnails were."""
    try:
        return Path(folder, thumb_name).read_bytes()
    except FileNotFoundError:
        return make_thumbnail(jpeg).jpeg


def remove_files(folder, photo_id, name, thumb_name):
    """Delete a photo's files if the database holds the same bytes; whether the photo's file was deleted."""
    path = Path(folder, name)
    if not path.exists() or sha256(path.read_bytes()) != stored_digest(photo_id):
        return False
    path.unlink()
    if thumb_name:
        Path(folder, thumb_name).unlink(missing_ok=True)
    return True


def stored_digest(photo_id):
    return db.session.scalar(select(PhotoBytes.sha256).where(PhotoBytes.id == photo_id))


def sha256(data):
    return hashlib.sha256(data).hexdigest()
