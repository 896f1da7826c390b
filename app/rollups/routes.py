"""The regency dashboard, the kecamatan page, fieldwork progress and the printable readiness sheet."""

from flask import abort, current_app, render_template, request

from app.access import role_required, scope
from app.cooperatives.models import Cooperative
from app.extensions import db
from app.regions.models import District
from app.rendering import render
from app.roles import ADMIN, FACILITATOR, SUPERVISOR
from app.rollups import bp
from app.rollups.asked import DISTRICTS, Asked, area_asked, area_rollups, instrument, latest_in, states_in
from app.instruments.scoring import level_bands, level_for, ready_from
from app.rollups.progress import STATES, progress as tally
from app.rollups.queries import approval_of, facilitators, visit_counts
from app.rollups.change import direction
from app.rollups.rounds import area_splits, district_change, rounds_change
from app.rollups.stats import to_strengthen
from app.i18n import today

bp.add_app_template_global(direction, "change_direction")

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
                           latest=latest_in(where, asked, current), states=states_in(where, asked), asked=asked,
                           instrument=current, **district_change(where, current))


@bp.get("/change/")
@role_required(ADMIN, SUPERVISOR)
def change():
    """Per area inside the one asked (?area=, as on the dashboard): how cooperatives changed from their
    previous approved round to their latest, those that attended a Bimtek between the two against those
    that did not, and how many cannot be compared yet."""
    current = instrument() or abort(404)
    place, where, tier, areas = area_asked(scope(), request.args.get("area") or None)
    rows, total = area_splits(areas, tier, where, current)
    return render_template("rollups/change.html", rows=rows, total=total, tier=tier, place=place,
                           instrument=current)


@bp.get("/progress/")
@role_required(ADMIN, SUPERVISOR)
def progress():
    """Fieldwork progress today, to plan visits: per area inside the one asked (?area=, as on the dashboard)
    and, where those are kecamatan, per facilitator, the cooperatives not visited, in draft, waiting for
    review, returned and approved."""
    code = request.args.get("area") or None
    place, where, tier, areas = area_asked(scope(), code)
    rows = visit_counts(where, current_app.config["BABEL_DEFAULT_TIMEZONE"], tier.column)
    people = facilitators(where, {row[1] for row in rows if row[1] is not None}) if tier is DISTRICTS else {}
    covered = {user: [kecamatan for kecamatan, _ in places] for user, (_, places) in people.items()}
    return render_template("rollups/progress.html", areas=areas, tier=tier, place=place, progress=tally(rows, covered),
                           people=people, states=STATES)


@bp.get("/sheet/<int:cooperative_id>")
@role_required(ADMIN, SUPERVISOR, FACILITATOR)
def sheet(cooperative_id):
    """One printable page for a cooperative's pengurus, handed over by its facilitator: its latest approved
    readiness, each section's level, the sections below the ready band and the Bimtek topics that train them."""
    current = instrument() or abort(404)
    cooperative = scope().cooperative_or_404(cooperative_id)
    latest = latest_in([Cooperative.id == cooperative.id], Asked(today(), False), current).get(cooperative.id)
    return render_template("rollups/sheet.html", cooperative=cooperative, instrument=current, printed=today(),
                           bands=level_bands(current), ready=ready_from(current),
                           change=rounds_change(cooperative.id, current),
                           **readiness(latest.current if latest else None, current))


def readiness(row, current):
    """What the sheet shows of the approved assessment `row` (a Scored, or None): the row, each scored
    section's level band, the sections to strengthen, and who made and approved it."""
    if row is None:
        return {"row": None, "levels": {}, "weak": (), "people": None}
    return {"row": row, "levels": {code: level_for(current, score) for code, score in row.sections.items()
                                   if score is not None},
            "weak": to_strengthen(row.sections, current.section_codes, ready_from(current)),
            "people": approval_of(row.assessment_id, row.counted_at)}
