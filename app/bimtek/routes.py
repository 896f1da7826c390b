"""Bimtek sessions: the list, the admin's form, and a session's readiness page."""
from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _

from app.access import role_required, scope
from app.bimtek import bp
from app.bimtek.forms import SessionForm
from app.bimtek.models import BimtekSession
from app.bimtek.people import participation
from app.bimtek.results import section as test_results
from app.extensions import db
from app.followup.service import session_plans
from app.regions.models import District
from app.rendering import form_page
from app.roles import ADMIN, SUPERVISOR
from app.rollups.asked import Asked, instrument, latest_in, states_in
from app.rollups.rounds import session_split
from app.rollups.stats import topics_by_weakness

FIELDS = ("title", "held_on", "ends_on", "venue", "notes")


def sessions():
    """The sessions covering at least one of the user's kecamatan, newest first."""
    return BimtekSession.covering(scope().district_clause())


def session_or_404(session_id):
    """A session covering at least one of the user's kecamatan."""
    return db.one_or_404(sessions().where(BimtekSession.id == session_id))


@bp.get("/")
@role_required(ADMIN, SUPERVISOR)
def index():
    """Bimtek sessions in the user's area."""
    return render_template("bimtek/index.html", sessions=db.session.scalars(sessions()).all())


@bp.route("/new", methods=["GET", "POST"], defaults={"session_id": None})
@bp.route("/<int:session_id>/edit", methods=["GET", "POST"])
@role_required(ADMIN)
def edit(session_id):
    """Record or correct a session: title, date, venue, kecamatan covered, notes."""
    session = session_or_404(session_id) if session_id else None
    districts = db.session.scalars(scope().districts()).all()
    form = SessionForm(districts, obj=session)
    if form.validate_on_submit():
        session = session or BimtekSession()
        for name in FIELDS:  # not populate_obj: it would put the form's codes into the districts relationship
            setattr(session, name, getattr(form, name).data)
        session.districts = [d for d in districts if d.code in form.districts.data]
        session.regency_code = session.districts[0].regency_code
        db.session.add(session)
        db.session.commit()
        flash(_("Sesi Bimtek disimpan."), "success")
        return redirect(url_for("bimtek.show", session_id=session.id))
    return form_page("bimtek/form.html", form, session=session)


@bp.get("/<int:session_id>")
@role_required(ADMIN, SUPERVISOR)
def show(session_id):
    """The participating cooperatives with their readiness before the session, and the weakest topics."""
    session = session_or_404(session_id)
    current = instrument()
    asked = Asked.from_request(default=session.readiness_date)
    area, in_session = scope(), District.code.in_(session.district_codes)
    where = [area.district_clause(), in_session]
    latest = latest_in(where, asked, current) if current else {}
    cooperatives = db.session.scalars(area.cooperatives().where(in_session)).all()
    topics = [(topic, topic.sections) for topic in current.topics] if current else []
    return render_template("bimtek/show.html", session=session, asked=asked, instrument=current, latest=latest,
                           states=states_in(where, asked) if current else {},
                           cooperatives=cooperatives, **participation(session, cooperatives),
                           split=session_split(session, where, current, [c.id for c in cooperatives]),
                           topics=topics_by_weakness([l.current for l in latest.values()], topics,
                                                     current.section_codes) if current else [],
                           **test_results(session), **session_plans(session))
