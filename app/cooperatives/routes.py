"""The cooperative list with active search, the profile page, and the admin's edit."""
from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import or_

from app.access import role_required, scope
from app.assessments.models import Assessment
from app.assessments.visits import visits
from app.bimtek.people import trainings
from app.cooperatives import bp
from app.cooperatives.forms import BLANK_OFFICER_ROWS, CooperativeForm
from app.cooperatives.models import Officer
from app.extensions import db
from app.followup.service import cooperative_followup
from app.inputs import page_number
from app.regions.models import District, Village
from app.rendering import form_page, render
from app.rollups.rounds import cooperative_change
from app.roles import ADMIN

PROFILE_FIELDS = ("name", "sk_ahu", "nib", "nik", "founded_on", "address", "phone", "member_count")


@bp.get("/")
@login_required
def index():
    """Cooperatives in the user's area with their visit status; `q` filters by village or kecamatan name."""
    q = request.args.get("q", "").strip()[:100]
    stmt = scope().cooperatives()
    if q:
        stmt = stmt.where(or_(Village.name.icontains(q, autoescape=True),
                              District.name.icontains(q, autoescape=True)))
    page = db.paginate(stmt, page=request.args.get("page", 1, type=page_number),
                       per_page=current_app.config["PAGE_SIZE"], max_per_page=100, error_out=False)
    listed = visits(scope(), [cooperative.id for cooperative in page.items], current_user.id)
    return render("cooperatives/index.html", "results", page=page, q=q, visits=listed)


@bp.get("/<int:cooperative_id>")
@login_required
def show(cooperative_id):
    """A cooperative's profile, visit status, pengurus and pengawas, and its assessments with their scores."""
    cooperative = scope().cooperative_or_404(cooperative_id)
    assessments = db.session.scalars(scope().assessments().where(Assessment.cooperative_id == cooperative.id)).all()
    visit = visits(scope(), [cooperative.id], current_user.id)[cooperative.id]
    return render_template("cooperatives/show.html", cooperative=cooperative, assessments=assessments,
                           visit=visit, **trainings(cooperative.id), **cooperative_followup(cooperative),
                           **cooperative_change(assessments))


@bp.route("/<int:cooperative_id>/edit", methods=["GET", "POST"])
@role_required(ADMIN)
def edit(cooperative_id):
    """Let an admin correct a cooperative's profile and officers."""
    cooperative = scope().cooperative_or_404(cooperative_id)
    form = CooperativeForm(obj=cooperative)
    if form.validate_on_submit():
        for name in PROFILE_FIELDS:
            setattr(cooperative, name, getattr(form, name).data)
        cooperative.officers = [Officer(**row) for row in form.filled_officers()]
        db.session.commit()
        flash(_("Profil koperasi disimpan."), "success")
        return redirect(url_for("cooperatives.show", cooperative_id=cooperative.id))
    if not form.is_submitted():
        for _row in range(BLANK_OFFICER_ROWS):
            form.officers.append_entry()
    return form_page("cooperatives/edit.html", form, cooperative=cooperative)
