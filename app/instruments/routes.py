"""The admins' instrument pages: published versions, and a preview of one as facilitators see it."""
from flask import render_template
from sqlalchemy import select

from app.access import role_required
from app.extensions import db
from app.instruments import bp
from app.instruments.models import InstrumentInUse, InstrumentVersion, version_in_use
from app.roles import ADMIN


@bp.get("/")
@role_required(ADMIN)
def index():
    """Every published version, newest first, marking the one new assessments use."""
    versions = db.session.scalars(select(InstrumentVersion).order_by(
        InstrumentVersion.code, InstrumentVersion.number.desc()))
    in_use = set(db.session.scalars(select(InstrumentInUse.version_id)))
    return render_template("instruments/index.html", versions=list(versions), in_use=in_use)


@bp.get("/<int:version_id>")
@role_required(ADMIN)
def show(version_id):
    """One version: levels, gates, Bimtek topics, and every question as the facilitator sees it."""
    version = db.get_or_404(InstrumentVersion, version_id)
    return render_template("instruments/show.html", version=version, instrument=version.instrument,
                           in_use=version_in_use(db.session, version.code) is version)
