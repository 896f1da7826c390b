"""The facilitator's visits: start, one section per screen with autosave, summary and submit."""
import os

from flask import abort, current_app, flash, redirect, render_template, request, send_from_directory, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.access import role_required, scope
from app.assessments import bp
from app.assessments.forms import PHOTO_ERRORS, StartForm, answer_message
from app.assessments.photos import PhotoError, process_photo, read_limited
from app.assessments.models import DRAFT, EDITABLE, RETURNED, SUBMITTED, Assessment
from app.assessments.service import (StartConflict, parse_answer, result_of, save_answer, save_note,
                                     save_section, start, store_photo, submit)
from app.auth.models import FACILITATOR
from app.errors import render_error
from app.extensions import db
from app.instruments.definition import AnswerError
from app.instruments.models import version_in_use
from app.instruments.scoring import visible_questions
from app.rendering import render

@bp.get("/")
@role_required(FACILITATOR)
def index():
    """Kunjungan saya: the facilitator's drafts, returned and submitted assessments."""
    mine = db.session.scalars(scope().assessments().where(Assessment.facilitator_id == current_user.id)).all()
    groups = {status: [a for a in mine if a.status == status] for status in (RETURNED, DRAFT, SUBMITTED)}
    return render_template("assessments/index.html", groups=groups)


@bp.route("/new/<int:cooperative_id>", methods=["GET", "POST"])
@role_required(FACILITATOR)
def new(cooperative_id):
    """Start a visit; the id comes from the browser, so a retried start opens the same assessment."""
    cooperative = scope().cooperative_or_404(cooperative_id)
    version = version_in_use(db.session, current_app.config["INSTRUMENT"])
    if version is None:
        return render_error(503, _("Belum ada instrumen penilaian yang diterbitkan. Hubungi Dinas."))
    form = StartForm(cooperative)
    if form.validate_on_submit():
        try:
            assessment = start(form.id.data, cooperative, current_user, version, visit_date=form.visit_date.data,
                               attendees=form.attendees(), latitude=form.latitude.data,
                               longitude=form.longitude.data, accuracy_m=form.accuracy_m.data)
        except StartConflict:
            return render_error(409, _("Formulir ini sudah dipakai. Muat ulang halaman lalu coba lagi."))
        first = assessment.instrument.sections[0].code
        return redirect(url_for("assessments.section", assessment_id=assessment.id, code=first))
    return render_template("assessments/new.html", form=form, cooperative=cooperative)


@bp.route("/<uuid:assessment_id>/sections/<code>", methods=["GET", "POST"])
@login_required
def section(assessment_id, code):
    """One section's questions; a plain POST saves the whole section (the path without JavaScript)."""
    assessment = scope().assessment_or_404(assessment_id)
    section = section_or_404(assessment, code)
    errors, photo_errors = {}, {}
    if request.method == "POST":
        check_own_draft(assessment)
        errors = save_section(assessment, section, request.form)
        if not errors:
            photo_errors = save_section_photos(assessment, section)
        if not errors and not photo_errors:
            return redirect(next_step(assessment, section, request.form.get("go")))
    sheet = Sheet(assessment, errors, photo_errors)
    return render_template("assessments/section.html", section=section, sheet=sheet), 422 if sheet.failed else 200


@bp.post("/<uuid:assessment_id>/answers/<code>")
@role_required(FACILITATOR)
def answer(assessment_id, code):
    """Autosave one answer; replies with its status and what the answer changed on the screen."""
    assessment = own_draft(assessment_id)
    question = assessment.instrument.question(code)
    if question is None:
        return render_error(404, _("Pertanyaan %(code)s tidak ada di instrumen penilaian ini.", code=code))
    shown_before = visible_questions(assessment.instrument, assessment.values())
    try:
        stored = parse_answer(question, request.form.get(code), code in request.form.getlist("na"))
    except AnswerError as error:
        return render("assessments/section.html", "saved", question=question, error=answer_message(error)), 422
    save_answer(assessment, question, stored)
    db.session.commit()
    db.session.expire(assessment, ["answers"])
    sheet = Sheet(assessment)
    section = assessment.instrument.section_of(code)
    toggled = [q for q in section.questions if (q.code in sheet.shown) != (q.code in shown_before)]
    return render("assessments/section.html", "saved", question=question, error=None, toggled=toggled,
                  sheet=sheet, section=section)


@bp.post("/<uuid:assessment_id>/photos/<code>")
@role_required(FACILITATOR)
def upload_photo(assessment_id, code):
    """Attach one evidence photo to a question that allows it; replies with the question's photo list."""
    assessment = own_draft(assessment_id)
    question = assessment.instrument.question(code)
    if question is None or not question.photo:
        return render_error(404, _("Pertanyaan %(code)s tidak menerima foto.", code=code))
    error = save_photo(assessment, code, request.files.get(f"photo-{code}"))
    return render("assessments/section.html", "photo_saved", question=question, sheet=Sheet(assessment),
                  error=error), 422 if error else 200


@bp.get("/<uuid:assessment_id>/photos/<uuid:photo_id>.jpg")
@login_required
def photo(assessment_id, photo_id):
    """An evidence photo, for users who may see its assessment."""
    assessment = scope().assessment_or_404(assessment_id)
    photo = next((p for p in assessment.photos if p.id == photo_id), None)
    if photo is None:
        abort(404)
    response = send_from_directory(photo_folder(), photo.filename, mimetype="image/jpeg", max_age=86400)
    response.cache_control.public = False
    response.cache_control.private = True
    return response


@bp.post("/<uuid:assessment_id>/notes/<code>")
@role_required(FACILITATOR)
def note(assessment_id, code):
    """Autosave a section's notes."""
    assessment = own_draft(assessment_id)
    section = section_or_404(assessment, code)
    save_note(assessment, section.code, request.form.get("notes", "").strip()[:5000])
    db.session.commit()
    return render("assessments/section.html", "note_saved", section=section)


@bp.get("/<uuid:assessment_id>")
@login_required
def summary(assessment_id):
    """Section scores, total and level, the required answers still missing, and submit."""
    assessment = scope().assessment_or_404(assessment_id)
    return render_template("assessments/summary.html", assessment=assessment, result=result_of(assessment),
                           can_edit=can_edit(assessment), error=None)


@bp.post("/<uuid:assessment_id>/submit")
@role_required(FACILITATOR)
def submit_assessment(assessment_id):
    """Submit a complete assessment; it is locked until a supervisor returns it. Repeats change nothing."""
    assessment = scope().assessment_or_404(assessment_id)
    if assessment.facilitator_id != current_user.id:
        abort(403)
    result = submit(assessment)
    if not result.complete:
        return render_template("assessments/summary.html", assessment=assessment, result=result,
                               can_edit=can_edit(assessment),
                               error=_("Masih ada jawaban wajib yang kosong.")), 422
    flash(_("Penilaian dikirim ke supervisor."), "success")
    return redirect(url_for("assessments.summary", assessment_id=assessment.id))


def save_photo(assessment, code, upload):
    """Process and store one uploaded photo; returns an error message, or None when it is kept."""
    if upload is None or not upload.filename:
        return PHOTO_ERRORS["not_an_image"]
    try:
        processed = process_photo(read_limited(upload.stream))
    except PhotoError as error:
        return PHOTO_ERRORS[error.code]
    store_photo(assessment, code, processed, photo_folder())
    db.session.commit()
    return None


def save_section_photos(assessment, section):
    """Photos sent with a whole-section form post (no JavaScript): {code: error message}."""
    errors = {}
    for question in section.questions:
        upload = request.files.get(f"photo-{question.code}")
        if question.photo and upload is not None and upload.filename:
            error = save_photo(assessment, question.code, upload)
            if error:
                errors[question.code] = error
    return errors


def photo_folder():
    return current_app.config["PHOTO_FOLDER"] or os.path.join(current_app.instance_path, "photos")


def can_edit(assessment):
    return assessment.facilitator_id == current_user.id and assessment.status in EDITABLE


def own_draft(assessment_id):
    """The assessment, if the current user may change it now."""
    assessment = scope().assessment_or_404(assessment_id)
    check_own_draft(assessment)
    return assessment


def check_own_draft(assessment):
    """Only the facilitator who started an assessment changes it, and only until it is submitted."""
    if assessment.facilitator_id != current_user.id:
        abort(render_error(403, _("Penilaian ini milik pendamping lain; Anda tidak dapat mengubahnya.")))
    if assessment.status not in EDITABLE:
        abort(render_error(409, _("Penilaian ini sudah dikirim dan terkunci.")))


def section_or_404(assessment, code):
    section = next((s for s in assessment.instrument.sections if s.code == code), None)
    if section is None:
        abort(404)
    return section


def next_step(assessment, section, go):
    """Where the whole-section form's buttons lead: the previous or next section, or the summary."""
    codes = [s.code for s in assessment.instrument.sections]
    i = codes.index(section.code) + (-1 if go == "prev" else 1)
    if 0 <= i < len(codes) and go in ("prev", "next"):
        return url_for("assessments.section", assessment_id=assessment.id, code=codes[i])
    return url_for("assessments.summary", assessment_id=assessment.id)


class Sheet:
    """What the section template shows of an assessment: stored answers, or what was typed and refused."""

    def __init__(self, assessment, errors=None, photo_errors=None):
        self.assessment = assessment
        self.result = result_of(assessment)
        self.shown = visible_questions(assessment.instrument, assessment.values())
        self.values, self.na = assessment.form_values()
        self.errors = {code: answer_message(error) for code, error in (errors or {}).items()}
        self.values.update({code: request.form.get(code, "") for code in self.errors})
        self.photo_errors = photo_errors or {}
        self.editable = can_edit(assessment)

    @property
    def failed(self):
        return bool(self.errors or self.photo_errors)

    def completeness(self, section_code):
        return next(s.completeness for s in self.result.sections if s.code == section_code)

