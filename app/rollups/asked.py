"""What a rollup page, export or Bimtek page is asked for (the area, the date, whether submitted ones
count), and the rollups read for it by the instrument in use."""
from dataclasses import dataclass
from datetime import date

from flask import abort, current_app, request
from sqlalchemy import select, true

from app.extensions import db
from app.regions.models import District, Province, Regency
from app.rollups import bp
from app.instruments.models import current_version
from app.instruments.scoring import level_for
from app.rollups.queries import counted, counted_scores, visit_states
from app.rollups.stats import Tally, latest_per_cooperative
from app.rollups.tallies import Kept
from app.i18n import today


# A level's colour, in the instrument's order of levels (lowest first), in XLSX files; pages draw the same
# ones from app.css (.lv-0 ...). One blue, darker as readiness rises: told apart by lightness, so by
# colour-blind eyes too, and dark enough for white text on each.
LEVEL_COLOURS = ["#5070bb", "#2b539b", "#043875", "#01214a", "#001534", "#010924"]
bp.add_app_template_global(LEVEL_COLOURS, "level_colours")
bp.add_app_template_global(level_for, "level_for")


@dataclass(frozen=True, eq=False)  # compared by identity: its column is an SQL expression
class Tier:
    """A tier of areas a rollup lists: provinces, regencies or kecamatan (a readiness level is a Level)."""
    name: str
    model: type
    column: object  # the code of a cooperative's area of this tier, on the District and Regency joined

    def areas(self, where):
        """A select of the areas of this tier that hold some kecamatan in `where`."""
        return (select(self.model).where(self.model.code.in_(
            select(self.column).select_from(District).join(District.regency).where(*where))).order_by(self.model.name))


PROVINCES = Tier("province", Province, Regency.province_code)
REGENCIES = Tier("regency", Regency, District.regency_code)
DISTRICTS = Tier("district", District, District.code)
TIERS = {2: PROVINCES, 5: REGENCIES, 8: DISTRICTS}  # by the length of a Kemendagri code: 35, 35.17, 35.17.08
INSIDE = {PROVINCES: REGENCIES, REGENCIES: DISTRICTS, DISTRICTS: None}


def area_asked(area, code, in_kecamatan=None):
    """The area that ?area=`code` asks for within the user's Scope `area`, or all of it without a code:
    (its province, regency or kecamatan, or None; the clauses selecting its kecamatan; the Tier of the
    areas listed inside it, `in_kecamatan` in a kecamatan; those areas). 404 for a code that names no
    area, or an area that lists none of the user's."""
    place, clause, tier = None, true(), PROVINCES if area.national else DISTRICTS
    if code:
        named = TIERS.get(len(code))
        place = db.session.get(named.model, code) if named else None
        if place is None:  # of no tier's length, or of the right length but naming no area
            abort(404)
        clause, tier = named.column == code, INSIDE[named] or in_kecamatan
    where = [area.district_clause(), clause]
    areas = db.session.scalars(tier.areas(where)).all() if tier else []
    if code and not areas:
        abort(404)
    return place, where, tier, areas


@dataclass
class Asked:
    as_of: date
    include_submitted: bool

    @classmethod
    def from_request(cls, default=None):
        """?as_of=YYYY-MM-DD (default today, never later) and ?submitted=1."""
        now = today()
        try:
            as_of = date.fromisoformat(request.args.get("as_of", ""))
        except ValueError:
            as_of = default or now
        return cls(min(as_of, now), request.args.get("submitted") == "1")

    def args(self):
        return {"as_of": self.as_of.isoformat(), "submitted": "1" if self.include_submitted else None}


def instrument():
    """The instrument in use: its levels, sections and topics label every rollup."""
    version = current_version()
    return version.instrument if version else None


def latest_in(where, asked, current):
    """{cooperative id: Latest} for the cooperatives in `where`, as asked: the latest and the one before,
    with their section scores by the `current` instrument's sections."""
    return latest_per_cooperative(counted(where, asked.as_of, current_app.config["BABEL_DEFAULT_TIMEZONE"],
                                          asked.include_submitted, current.section_codes, keep=2))


def states_in(where, asked):
    """{cooperative id: the state of its latest visit, or UNVISITED} in `where`, as of the date asked."""
    return visit_states(where, asked.as_of, current_app.config["BABEL_DEFAULT_TIMEZONE"])


def area_rollups(areas, tier, where, asked, current, recount=False):
    """[(area, Rollup)] for `areas` (all of one `tier`) within `where`, and the Rollup of them all, by the
    `current` instrument's levels and sections. Today's approved assessments are read from the kept tallies
    (see tallies.py), unless `recount`; an earlier date, or submitted ones counted too, from the assessments."""
    levels, sections = current.level_codes, current.section_codes
    kept = Kept(where, tier.column)
    if asked.as_of >= today() and not asked.include_submitted and not recount:
        tallies = kept.tallies()
    else:
        tallies = {}
        for row in counted_scores(where, asked.as_of, current_app.config["BABEL_DEFAULT_TIMEZONE"],
                                  asked.include_submitted, sections, tier.column):
            tallies.setdefault(row.area, Tally()).count(row.score, row.level, row.sections)
    counts, total = kept.cooperatives(), Tally()
    for tally in tallies.values():
        total.add(tally)
    rows = [(a, tallies.get(a.code, Tally()).rollup(counts.get(a.code, 0), levels, sections)) for a in areas]
    return rows, total.rollup(sum(counts.values()), levels, sections)
