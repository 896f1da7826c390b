"""Evidence photos: attach one to a question, remove it, and serve it to users who may see the assessment."""
import fcntl
import os
import uuid
from contextlib import contextmanager, nullcontext
from pathlib import Path

from flask import abort, current_app, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.access import role_required, scope
from app.assessments import bp
from app.assessments.context import Sheet, own_draft
from app.assessments.forms import photo_message
from app.assessments.models import Photo
from app.assessments.photos import PhotoError, check_room, process_photo, read_limited
from app.assessments.service import store_photo
from app.errors import render_error
from app.extensions import db
from app.forms import ConfirmForm
from app.rendering import render, wants_fragment
from app.roles import FACILITATOR
from app.storage.photos import forget, served


@bp.post("/<uuid:assessment_id>/photos/<code>")
@role_required(FACILITATOR)
def upload_photo(assessment_id, code):
    """Attach one evidence photo to a question that allows it; replies with the question's photo list."""
    assessment = own_draft(assessment_id)
    question = assessment.instrument.question(code)
    if question is None or not question.photo:
        return render_error(404, _("Pertanyaan %(code)s tidak menerima foto.", code=code))
    photo_id = sent_photo_id()
    if photo_id is not None and any(p.id == photo_id for p in assessment.photos):
        refused = None  # the phone sent this photo before, and its reply was lost: it is kept once
    else:
        with upload_lock() as held:
            refused = save_photo(assessment, code, request.files.get(f"photo-{code}"), held, photo_id)
    error = photo_message(refused) if refused else None
    # Without htmx the whole section page comes back, with the error beside the question.
    sheet = Sheet(assessment, photo_errors={code: error} if error else None)
    return render("assessments/section.html", "photo_saved", question=question, sheet=sheet, error=error,
                  section=assessment.instrument.section_of(code)), REFUSED_STATUS.get(refused, 422) if error else 200


@bp.post("/<uuid:assessment_id>/photos/<uuid:photo_id>/delete")
@role_required(FACILITATOR)
def delete_photo(assessment_id, photo_id):
    """Remove a photo attached by mistake, once confirmed; replies with the question's photo list (or back to
    the section). Not confirmed: the confirmation page, or for htmx the list as it was, saying why."""
    assessment = own_draft(assessment_id)
    photo = next((p for p in assessment.photos if p.id == photo_id), None)
    if photo is None:
        abort(404)
    question = assessment.instrument.question(photo.question_code)
    section = url_for("assessments.section", assessment_id=assessment.id,
                      code=assessment.instrument.section_of(question.code).code)
    if not ConfirmForm().confirmed.data:
        if wants_fragment():  # a page from before this check, kept on the phone: its button asks nothing
            return render("assessments/section.html", "photo_saved", question=question, sheet=Sheet(assessment),
                          error=_("Foto belum dihapus. Muat ulang halaman, lalu tekan Hapus lagi.")), 422
        return render_template("assessments/delete_photo.html", assessment=assessment, photo=photo,
                               question=question, action=request.path, fields={}, cancel=section)
    assessment.photos.remove(photo)
    forget(photo.id)  # in the same commit: never a row without its bytes, nor bytes without their row
    db.session.commit()
    if not wants_fragment():
        return redirect(section)
    return render("assessments/section.html", "photo_saved", question=question, sheet=Sheet(assessment), error=None)


@bp.get("/<uuid:assessment_id>/photos/<uuid:photo_id>.jpg")
@login_required
def photo(assessment_id, photo_id):
    """An evidence photo, for users who may see its assessment."""
    return served(visible_photo(assessment_id, photo_id).id)


@bp.get("/<uuid:assessment_id>/photos/<uuid:photo_id>/thumb.jpg")
@login_required
def photo_thumb(assessment_id, photo_id):
    """An evidence photo's thumbnail, kept with it (store_photo), for the users who may see the photo."""
    return served(visible_photo(assessment_id, photo_id).id, thumb=True)


def visible_photo(assessment_id, photo_id):
    """The Photo `photo_id` of an assessment the user may see; 404 otherwise."""
    assessment = scope().assessment_or_404(assessment_id)
    photo = next((p for p in assessment.photos if p.id == photo_id), None)
    if photo is None:
        abort(404)
    return photo


REFUSED_STATUS = {"busy": 429}  # else 422


def sent_photo_id():
    """The id the phone gave an upload from its outbox (app.js), unless it is no UUID or already taken."""
    try:
        photo_id = uuid.UUID(request.form.get("photo_id", ""))
    except ValueError:
        return None
    photo = db.session.get(Photo, photo_id)
    taken = photo is not None and photo.assessment_id != request.view_args["assessment_id"]
    return None if taken or not photo_id.int else photo_id


def save_photo(assessment, code, upload, held, photo_id=None):
    """Check, process and store one uploaded photo (`held`: see upload_lock) under `photo_id` if given;
    returns why it was refused (a PhotoError code), or None when it is kept."""
    photos, refused = read_uploads(assessment, {code: upload}, held)
    if refused:
        return refused[code]
    store_photo(assessment, code, photos[0][1], photo_id)
    db.session.commit()
    return None


@contextmanager
def section_photos(assessment, section):
    """The photos sent with a whole-section form post (no JavaScript), checked and processed but not stored:
    ([(question code, Photo)], {question code: error message}). While the caller stores them, the user's
    upload lock is still held, so the caps still hold."""
    uploads = {q.code: request.files.get(f"photo-{q.code}") for q in section.questions if q.photo}
    uploads = {code: upload for code, upload in uploads.items() if upload is not None and upload.filename}
    with upload_lock() if uploads else nullcontext(True) as held:
        photos, refused = read_uploads(assessment, uploads, held)
        yield photos, {code: photo_message(reason) for code, reason in refused.items()}


def read_uploads(assessment, uploads, held):
    """Uploads {question code: file} checked against the caps and processed, the cheap checks first:
    ([(question code, Photo)], {question code: PhotoError code}). Nothing is stored."""
    photos, refused = [], {}
    kept = dict(db.session.execute(Photo.counted(assessment.id)).all()) if uploads else {}
    for code, upload in uploads.items():
        try:
            if not held:
                raise PhotoError("busy")
            check_room(kept.get(code, 0), sum(kept.values()) + len(photos))
            photos.append((code, read_photo(upload)))
        except PhotoError as error:
            refused[code] = error.code
    return photos, refused


def read_photo(upload):
    """The processed Photo of an uploaded file; raises PhotoError. Nothing is stored."""
    if upload is None or not upload.filename:
        raise PhotoError("not_an_image")
    return process_photo(read_limited(upload.stream))


@contextmanager
def upload_lock():
    """Whether this request holds the current user's upload lock, until the block ends: False while another
    request of theirs holds it. One photo at a time per user bounds what one user makes the workers decode.
    A lock on a file, so every gunicorn worker sees it, and the system frees it when its holder ends, even
    when killed: nothing is left to expire."""
    path = upload_lock_path(current_user.id)
    path.parent.mkdir(mode=0o700, exist_ok=True)
    descriptor = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
            held = True
        except BlockingIOError:
            held = False
        yield held
    finally:
        os.close(descriptor)  # which releases the lock


def upload_lock_path(user_id):
    """The file whose lock is a user's upload in progress."""
    return Path(current_app.instance_path, "uploading", f"{user_id}.lock")


def photo_folder():
    """Where photos were kept as files before they moved into the database (`flask photos migrate`)."""
    return current_app.config["PHOTO_FOLDER"] or os.path.join(current_app.instance_path, "photos")
