"""The review queue for supervisors (and the Dinas), the review page, and its actions."""
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import func, select

from app.access import is_own, role_required, scope
from app.assessments.forms import CONFLICT
from app.assessments.models import STATUSES, Assessment
from app.assessments.service import CommentNeeded, Conflict, result_of, transition
from app.assessments.workflow import NotAllowed, actions_for, move_for
from app.auth.models import User
from app.errors import render_error
from app.extensions import db
from app.instruments.definition import NA
from app.instruments.scoring import visible_questions, weak_answers
from app.regions.models import Village
from app.rendering import render
from app.reviews import bp
from app.reviews.forms import QUESTION_COMMENT, ActionForm, QueueFilter
from app.roles import ADMIN, SUPERVISOR

REVIEWERS = (SUPERVISOR, ADMIN)


@bp.get("/")
@role_required(*REVIEWERS)
def index():
    """Assessments to review in the user's kecamatan, oldest submitted first, with counts per status."""
    area = scope()
    facilitators = db.session.scalars(select(User).where(User.id.in_(
        area.assessments().with_only_columns(Assessment.facilitator_id).order_by(None))).order_by(User.name))
    form = QueueFilter(list(db.session.scalars(area.districts())), list(facilitators), formdata=request.args)
    form.validate()
    clauses = filters(form)
    counts = dict(db.session.execute(
        area.assessment_rows(Assessment.status, func.count()).where(*clauses).group_by(Assessment.status)).all())
    status = form.status.data or "submitted"
    if status in STATUSES:
        clauses.append(Assessment.status == status)
    queue = db.session.scalars(area.assessments().where(*clauses).order_by(None).order_by(
        Assessment.submitted_at.asc().nulls_last(), Assessment.created_at)).all()
    return render("reviews/index.html", "queue", form=form, counts=counts, queue=queue)


def filters(form):
    """WHERE clauses for the queue's filters, except status."""
    clauses = []
    if form.district.data and not form.district.errors:
        clauses.append(Village.district_code == form.district.data)
    if form.facilitator.data and not form.facilitator.errors:
        clauses.append(Assessment.facilitator_id == int(form.facilitator.data))
    if form.visited_from.data:
        clauses.append(Assessment.visit_date >= form.visited_from.data)
    if form.visited_to.data:
        clauses.append(Assessment.visit_date <= form.visited_to.data)
    return clauses


@bp.get("/<uuid:assessment_id>")
@role_required(*REVIEWERS)
def show(assessment_id):
    """Every answer with its rubric, photos, GPS and visit data, the scores, the history, and the actions."""
    return review_page(scope().assessment_or_404(assessment_id), ActionForm())


@bp.post("/<uuid:assessment_id>/<action>")
@role_required(*REVIEWERS)
def act(assessment_id, action):
    """Approve (once confirmed), return with a reason and comments, or reopen; refused if someone changed the
    assessment meanwhile. Refused for want of a reason: the page again, the comments typed kept, nothing saved."""
    assessment = scope().assessment_or_404(assessment_id)
    form = ActionForm()
    if not form.validate_on_submit():
        abort(400)
    comments = question_comments(assessment)
    try:
        if form.version.data != assessment.version:  # the page was stale: say so, whatever the action
            raise Conflict
        if action in CONFIRMED and not form.confirmed.data:
            move_for(action, assessment.status, current_user.role, is_own(assessment))  # or NotAllowed
            return render_template("reviews/approve.html", assessment=assessment, result=result_of(assessment),
                                   action=request.path, fields={"version": assessment.version},
                                   cancel=url_for("reviews.show", assessment_id=assessment.id))
        transition(assessment, action, current_user, form.version.data, form.comment.data, comments)
    except NotAllowed:
        return render_error(403, _("Tindakan ini tidak dapat dilakukan pada penilaian berstatus %(status)s.",
                                   status=assessment.status_label))
    except CommentNeeded:
        form.comment.errors.append(str(REASON_NEEDED[action]))
        return review_page(assessment, form, comments), 422
    except Conflict:
        return render_error(409, str(CONFLICT))
    flash(DONE[action], "success")
    return redirect(url_for("reviews.show", assessment_id=assessment.id))


def question_comments(assessment):
    """The comments sent beside the instrument's questions, {question code: text}, each cut to 2,000 characters."""
    instrument = assessment.instrument
    return {key[len(QUESTION_COMMENT):]: value[:2000] for key, value in request.form.items()
            if key.startswith(QUESTION_COMMENT) and instrument.question(key[len(QUESTION_COMMENT):])}


def review_page(assessment, form, comments=None):
    """The review page; `comments` on questions, typed before an action was refused, are shown again."""
    values = assessment.values()
    form.version.data = assessment.version
    instrument = assessment.instrument
    return render_template(
        "reviews/show.html", assessment=assessment, form=form, result=result_of(assessment, values),
        visible=visible_questions(instrument, values), values=values, weak=weak_answers(instrument, values),
        na={code for code, value in values.items() if value is NA},
        comments={code: text for code, text in (comments or {}).items() if text.strip()},
        actions=actions_for(assessment.status, current_user.role, is_own(assessment)))


CONFIRMED = ("approve",)  # the actions taken only once confirmed (ActionForm.confirmed)
DONE = {
    "approve": _l("Penilaian disetujui."),
    "return": _l("Penilaian dikembalikan ke pendamping dengan komentar Anda."),
    "reopen": _l("Penilaian dibuka kembali untuk pendamping."),
}
REASON_NEEDED = {
    "return": _l("Tulis alasan pengembalian, agar pendamping tahu apa yang harus diperbaiki. "
                 "Penilaian belum dikembalikan."),
    "reopen": _l("Tulis alasan membuka kembali penilaian ini. Penilaian belum dibuka kembali."),
}
