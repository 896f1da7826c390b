"""Evidence photos: attach one to a question, remove it, and serve it to users who may see the assessment."""
import os
from pathlib import Path

from flask import abort, current_app, redirect, request, send_from_directory, url_for
from flask_babel import gettext as _
from flask_login import login_required

from app.access import role_required, scope
from app.assessments import bp
from app.assessments.context import Sheet, own_draft
from app.assessments.forms import PHOTO_ERRORS
from app.assessments.photos import PhotoError, process_photo, read_limited
from app.assessments.service import store_photo
from app.auth.models import FACILITATOR
from app.errors import render_error
from app.extensions import db
from app.rendering import render, wants_fragment


@bp.post("/<uuid:assessment_id>/photos/<code>")
@role_required(FACILITATOR)
def upload_photo(assessment_id, code):
    """Attach one evidence photo to a question that allows it; replies with the question's photo list."""
    assessment = own_draft(assessment_id)
    question = assessment.instrument.question(code)
    if question is None or not question.photo:
        return render_error(404, _("Pertanyaan %(code)s tidak menerima foto.", code=code))
    error = save_photo(assessment, code, request.files.get(f"photo-{code}"))
    # Without htmx the whole section page comes back, with the error beside the question.
    sheet = Sheet(assessment, photo_errors={code: error} if error else None)
    return render("assessments/section.html", "photo_saved", question=question, sheet=sheet, error=error,
                  section=assessment.instrument.section_of(code)), 422 if error else 200


@bp.post("/<uuid:assessment_id>/photos/<uuid:photo_id>/delete")
@role_required(FACILITATOR)
def delete_photo(assessment_id, photo_id):
    """Remove a photo attached by mistake; replies with the question's photo list (or back to the section)."""
    assessment = own_draft(assessment_id)
    photo = next((p for p in assessment.photos if p.id == photo_id), None)
    if photo is None:
        abort(404)
    question = assessment.instrument.question(photo.question_code)
    assessment.photos.remove(photo)
    db.session.commit()
    Path(photo_folder(), photo.filename).unlink(missing_ok=True)  # after the commit: never a row without its file
    if not wants_fragment():
        return redirect(url_for("assessments.section", assessment_id=assessment.id,
                                code=assessment.instrument.section_of(question.code).code))
    return render("assessments/section.html", "photo_saved", question=question, sheet=Sheet(assessment), error=None)


@bp.get("/<uuid:assessment_id>/photos/<uuid:photo_id>.jpg")
@login_required
def photo(assessment_id, photo_id):
    """An evidence photo, for users who may see its assessment."""
    assessment = scope().assessment_or_404(assessment_id)
    photo = next((p for p in assessment.photos if p.id == photo_id), None)
    if photo is None:
        abort(404)
    response = send_from_directory(photo_folder(), photo.filename, mimetype="image/jpeg")  # no-store: app.security
    response.headers["X-Content-Type-Options"] = "nosniff"  # always read as the JPEG we wrote, never sniffed
    return response


def save_photo(assessment, code, upload):
    """Process and store one uploaded photo; returns an error message, or None when it is kept."""
    try:
        processed = read_photo(upload)
    except PhotoError as error:
        return PHOTO_ERRORS[error.code]
    store_photo(assessment, code, processed, photo_folder())
    db.session.commit()
    return None


def read_photo(upload):
    """The processed Photo of an uploaded file; raises PhotoError. Nothing is stored."""
    if upload is None or not upload.filename:
        raise PhotoError("not_an_image")
    return process_photo(read_limited(upload.stream))


def read_section_photos(section):
    """Photos sent with a whole-section form post (no JavaScript), processed but not stored yet:
    ([(question code, Photo)], {question code: error message})."""
    photos, errors = [], {}
    for question in section.questions:
        upload = request.files.get(f"photo-{question.code}")
        if question.photo and upload is not None and upload.filename:
            try:
                photos.append((question.code, read_photo(upload)))
            except PhotoError as error:
                errors[question.code] = PHOTO_ERRORS[error.code]
    return photos, errors


def photo_folder():
    return current_app.config["PHOTO_FOLDER"] or os.path.join(current_app.instance_path, "photos")
