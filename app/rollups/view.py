"""What a rollup page or export is asked for: the area, the date, whether submitted ones count."""
from dataclasses import dataclass
from datetime import date

from flask import current_app, request

from app.extensions import db
from app.rollups import bp
from app.instruments.models import version_in_use
from app.rollups.queries import cooperative_counts, counted, district_of
from app.rollups.stats import latest_per_cooperative, rollup


# A level's colour, in the instrument's order of levels (lowest first), on pages and in XLSX files.
LEVEL_COLOURS = ["#b3261e", "#e8710a", "#7cb342", "#146c2e", "#0b57d0", "#5f6368"]
bp.add_app_template_global(LEVEL_COLOURS, "level_colours")


@dataclass
class Asked:
    as_of: date
    include_submitted: bool

    @classmethod
    def from_request(cls, default=None):
        """?as_of=YYYY-MM-DD (default today, never later) and ?submitted=1."""
        try:
            as_of = date.fromisoformat(request.args.get("as_of", ""))
        except ValueError:
            as_of = default or date.today()
        return cls(min(as_of, date.today()), request.args.get("submitted") == "1")

    def args(self):
        return {"as_of": self.as_of.isoformat(), "submitted": "1" if self.include_submitted else None}


def instrument():
    """The instrument in use: its levels, sections and topics label every rollup."""
    version = version_in_use(db.session, current_app.config["INSTRUMENT"])
    return version.instrument if version else None


def latest_in(where, asked):
    """{cooperative id: Latest} for the cooperatives in `where`, as asked."""
    return latest_per_cooperative(counted(where, asked.as_of, current_app.config["BABEL_DEFAULT_TIMEZONE"],
                                          asked.include_submitted))


def district_rollups(districts, where, asked, levels, sections):
    """[(district, Rollup)] and the Rollup of them all."""
    latest = latest_in(where, asked)
    place, counts, by_district = district_of(where), cooperative_counts(where), {}
    for cooperative, row in latest.items():
        by_district.setdefault(place.get(cooperative), []).append(row.current)
    rows = [(d, rollup(counts.get(d.code, 0), by_district.get(d.code, []), levels, sections)) for d in districts]
    return rows, rollup(sum(counts.values()), [row.current for row in latest.values()], levels, sections)
