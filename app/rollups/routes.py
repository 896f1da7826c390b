"""The regency dashboard, the kecamatan page and the printable readiness sheet."""

from flask import abort, render_template, request

from app.access import role_required, scope
from app.cooperatives.models import Cooperative
from app.extensions import db
from app.regions.models import District
from app.rendering import render
from app.roles import ADMIN, SUPERVISOR
from app.rollups import bp
from app.rollups.asked import Asked, area_asked, area_rollups, instrument, latest_in
from app.rollups.stats import weakest_sections
from app.i18n import today

SORTS = {
    "name": lambda row: row[0].name,
    "cooperatives": lambda row: row[1].cooperatives,
    "assessed": lambda row: row[1].assessed,
    "coverage": lambda row: row[1].coverage,
    "mean": lambda row: -1 if row[1].mean is None else row[1].mean,
    "median": lambda row: -1 if row[1].median is None else row[1].median,
}


@bp.get("/dashboard/")
@role_required(ADMIN, SUPERVISOR)
def dashboard():
    """One row per area inside the one asked (?area=, a province or regency; default the user's own): the
    country lists provinces, a province its regencies, a regency its kecamatan. Each row: cooperatives,
    assessed and coverage, mean and median, levels, weakest sections."""
    current = instrument() or abort(404)
    asked, code = Asked.from_request(), request.args.get("area") or None
    place, where, tier, areas = area_asked(scope(), code)
    sort = request.args.get("sort") if request.args.get("sort") in SORTS else "name"
    descending = request.args.get("desc") == "1"
    rows, total = area_rollups(areas, tier, where, asked, current)
    rows.sort(key=SORTS[sort], reverse=descending)
    query = {**asked.args(), "area": code}  # what links to this page's variants (sorted, exported) keep
    return render("rollups/dashboard.html", "table", rows=rows, total=total, asked=asked, sort=sort,
                  descending=descending, instrument=current, tier=tier, place=place, query=query)


@bp.get("/dashboard/<code>")
@role_required(ADMIN, SUPERVISOR)
def district(code):
    """Each cooperative's latest score and level, its change, and a cooperative × section heat-map."""
    current = instrument() or abort(404)
    area = scope()
    kecamatan = db.one_or_404(area.districts().where(District.code == code))
    asked, where = Asked.from_request(), [area.district_clause(), District.code == code]
    cooperatives = db.session.scalars(area.cooperatives().where(District.code == code)).all()
    return render_template("rollups/district.html", district=kecamatan, cooperatives=cooperatives,
                           latest=latest_in(where, asked, current), asked=asked, instrument=current)


@bp.get("/sheet/<int:cooperative_id>")
@role_required(ADMIN, SUPERVISOR)
def sheet(cooperative_id):
    """One printable page for a cooperative's pengurus: its latest approved readiness and what to train."""
    current = instrument() or abort(404)
    cooperative = scope().cooperative_or_404(cooperative_id)
    latest = latest_in([Cooperative.id == cooperative.id], Asked(today(), False), current).get(cooperative.id)
    weakest = weakest_sections([latest.current], current.section_codes, 2) if latest else ()
    return render_template("rollups/sheet.html", cooperative=cooperative, latest=latest, instrument=current,
                           weakest=weakest)
