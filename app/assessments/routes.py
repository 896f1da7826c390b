"""The facilitator's visits: start, one section per screen with autosave, summary and submit."""
from flask import abort, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy.orm import selectinload

from app.access import is_own, role_required, scope
from app.assessments import bp
from app.assessments.autosave import autosave
from app.assessments.context import Sheet, can_edit, check_own_draft, client_stamp, own_draft, section_or_404, viewable
from app.assessments.forms import StartForm
from app.assessments.labels import history_label
from app.assessments.models import (ACTION_LABELS, APPROVED, DRAFT, RETURNED, STATUSES, SUBMITTED, TEMPLATE_ID,
                                    Assessment, Event)
from app.assessments.photo_routes import section_photos
from app.assessments.forms import CONFLICT
from app.assessments.service import (NOTE_LIMIT, Conflict, Incomplete, StartConflict, parse_section, result_of,
                                     save_note, save_section, start, transition)
from app.assessments.visits import VISIT_LABELS, open_drafts
from app.assessments.workflow import NotAllowed
from app.errors import render_error
from app.extensions import db
from app.instruments.models import current_version
from app.rendering import form_page, render, wants_fragment
from app.roles import FACILITATOR


@bp.app_context_processor
def labels():
    """Status and history words, for every page that shows an assessment; a facilitator's pages name a status
    as the cooperative list does (visit_labels: a submitted one is waiting for review)."""
    return {"status_labels": STATUSES, "action_labels": ACTION_LABELS, "visit_labels": VISIT_LABELS,
            "history_label": history_label}


@bp.get("/")
@role_required(FACILITATOR)
def index():
    """Kunjungan saya: the facilitator's drafts, returned and submitted assessments."""
    mine = db.session.scalars(scope().own_assessments().options(  # who sent each back or approved it
        selectinload(Assessment.events).joinedload(Event.user))).all()
    groups = {status: [a for a in mine if a.status == status] for status in (RETURNED, DRAFT, SUBMITTED, APPROVED)}
    return render_template("assessments/index.html", groups=groups)


@bp.route("/new/<int:cooperative_id>", methods=["GET", "POST"])
@role_required(FACILITATOR)
def new(cooperative_id):
    """Start a visit; the id comes from the browser, so a retried start opens the same assessment."""
    cooperative = scope().cooperative_or_404(cooperative_id)
    version = current_version()
    if version is None:
        return render_error(503, _("Belum ada instrumen penilaian yang diterbitkan. Hubungi Dinas."))
    form = StartForm(cooperative, open_drafts(scope(), cooperative.id))
    if form.validate_on_submit():
        try:
            assessment = start(form.id.data, cooperative, current_user, version, visit_date=form.visit_date.data,
                               attendees=form.attendees(), latitude=form.latitude.data,
                               longitude=form.longitude.data, accuracy_m=form.accuracy_m.data)
        except StartConflict:
            form.refuse_id()  # whoever holds the id, wherever: the answer an unreadable id gets
        else:
            first = assessment.instrument.sections[0].code
            return redirect(url_for("assessments.section", assessment_id=assessment.id, code=first))
    return form_page("assessments/new.html", form, cooperative=cooperative, version=version, template_id=TEMPLATE_ID)


@bp.get("/prepare/<int:cooperative_id>")
@role_required(FACILITATOR)
def prepare(cooperative_id):
    """The pages to keep on the phone for visiting a cooperative without signal (app.js caches them)."""
    cooperative = scope().cooperative_or_404(cooperative_id)
    version = current_version()
    sections = version.instrument.sections if version else []
    return jsonify(urls=[
        url_for("assessments.index"),
        url_for("cooperatives.show", cooperative_id=cooperative.id),
        url_for("assessments.new", cooperative_id=cooperative.id),
        *(url_for("assessments.section", assessment_id=TEMPLATE_ID, code=s.code) for s in sections),
        url_for("assessments.summary", assessment_id=TEMPLATE_ID)])


@bp.route("/<uuid:assessment_id>/sections/<code>", methods=["GET", "POST"])
@login_required
def section(assessment_id, code):
    """One section's questions; a plain POST saves the whole section (the path without JavaScript)."""
    assessment = viewable(assessment_id)
    section = section_or_404(assessment, code)
    errors, photo_errors = {}, {}
    if request.method == "POST":
        check_own_draft(assessment)
        parsed, errors = parse_section(section, request.form)
        with section_photos(assessment, section) as (photos, photo_errors):
            if not errors and not photo_errors:  # all or nothing: answers, notes and photos
                save_section(assessment, section, parsed, request.form.get("notes"), photos)
                return redirect(next_step(assessment, section, request.form.get("go")))
    sheet = Sheet(assessment, errors, photo_errors)
    return render_template("assessments/section.html", section=section, sheet=sheet), 422 if sheet.failed else 200


@bp.post("/<uuid:assessment_id>/answers/<code>")
@role_required(FACILITATOR)
def answer(assessment_id, code):
    """Autosave one answer; replies with its status and what the answer changed on the screen."""
    saved = autosave(scope(), assessment_id, code, request.form, wants_fragment())
    return render("assessments/section.html", "saved", **saved._asdict()), 422 if saved.error else 200


@bp.post("/<uuid:assessment_id>/notes/<code>")
@role_required(FACILITATOR)
def note(assessment_id, code):
    """Autosave a section's notes."""
    assessment = own_draft(assessment_id)
    section = section_or_404(assessment, code)
    save_note(assessment, section.code, request.form.get("notes", "").strip()[:NOTE_LIMIT], client_stamp(request.form))
    db.session.commit()
    return render("assessments/section.html", "note_saved", section=section, sheet=Sheet(assessment))


@bp.get("/<uuid:assessment_id>")
@login_required
def summary(assessment_id):
    """Section scores, total and level, the required answers still missing, and submit."""
    assessment = viewable(assessment_id)
    return render_template("assessments/summary.html", assessment=assessment, result=result_of(assessment),
                           can_edit=can_edit(assessment), error=None)


@bp.post("/<uuid:assessment_id>/submit")
@role_required(FACILITATOR)
def submit_assessment(assessment_id):
    """Submit a complete assessment; it is locked until a supervisor returns it. Repeats change nothing."""
    assessment = scope().assessment_or_404(assessment_id)
    if not is_own(assessment):
        abort(403)
    try:
        transition(assessment, "submit", current_user, assessment.version)
    except Incomplete as incomplete:
        return render_template("assessments/summary.html", assessment=assessment, result=incomplete.args[0],
                               can_edit=can_edit(assessment),
                               error=_("Masih ada jawaban wajib yang kosong.")), 422
    except (Conflict, NotAllowed):
        db.session.expire_all()
        if assessment.status != SUBMITTED:  # not a double tap: something else happened meanwhile
            return render_error(409, CONFLICT)
    flash(_("Penilaian dikirim untuk ditinjau."), "success")
    return redirect(url_for("assessments.summary", assessment_id=assessment.id))


def next_step(assessment, section, go):
    """Where the whole-section form's buttons lead: the previous or next section, or the summary."""
    codes = [s.code for s in assessment.instrument.sections]
    i = codes.index(section.code) + (-1 if go == "prev" else 1)
    if 0 <= i < len(codes) and go in ("prev", "next"):
        return url_for("assessments.section", assessment_id=assessment.id, code=codes[i])
    return url_for("assessments.summary", assessment_id=assessment.id)
