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
from app.assessments.workflow import NotAllowed, actions_for
from app.auth.models import User
from app.errors import render_error
from app.extensions import db
from app.instruments.definition import NA
from app.instruments.scoring import visible_questions
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
    """Approve, return (with comments) or reopen; refused if someone changed the assessment meanwhile."""
    assessment = scope().assessment_or_404(assessment_id)
    form = ActionForm()
    if not form.validate_on_submit():
        abort(400)
    comments = {key[len(QUESTION_COMMENT):]: value[:2000] for key, value in request.form.items()
                if key.startswith(QUESTION_COMMENT) and assessment.instrument.question(key[len(QUESTION_COMMENT):])}
    try:
        if form.version.data != assessment.version:  # the page was stale: say so, whatever the action
            raise Conflict
        transition(assessment, action, current_user, form.version.data, form.comment.data, comments)
    except NotAllowed:
        return render_error(403, _("Tindakan ini tidak dapat dilakukan pada penilaian berstatus %(status)s.",
                                   status=assessment.status_label))
    except CommentNeeded:
        form.comment.errors.append(_("Tuliskan alasannya."))
        return review_page(assessment, form), 422
    except Conflict:
        return render_error(409, str(CONFLICT))
    flash(DONE[action], "success")
    return redirect(url_for("reviews.show", assessment_id=assessment.id))


def review_page(assessment, form):
    values = assessment.values()
    form.version.data = assessment.version
    na = {code for code, value in values.items() if value is NA}
    return render_template("reviews/show.html", assessment=assessment, form=form, result=result_of(assessment, values),
                           visible=visible_questions(assessment.instrument, values), values=values, na=na,
                           actions=actions_for(assessment.status, current_user.role, is_own(assessment)))


DONE = {
    "approve": _l("Penilaian disetujui."),
    "return": _l("Penilaian dikembalikan ke pendamping dengan komentar Anda."),
    "reopen": _l("Penilaian dibuka kembali untuk pendamping."),
}
