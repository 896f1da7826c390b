"""What the rollups show of each area today, kept up to date by the transitions that change it."""
from sqlalchemy import JSON, BigInteger, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.rollups.stats import Tally


class AreaTally(db.Model):
    """The Tally of one area's cooperatives whose latest approved assessment was made with one instrument
    version: each cooperative counted once, under the version of the assessment that counts for it, in its
    kecamatan, its regency and its province (an area's code says which: 35, 35.17 or 35.17.08), so that a
    rollup of regencies or provinces reads one row per area instead of summing its kecamatan. A row counting
    no cooperative any more is kept, empty."""
    __tablename__ = "area_tally"

    area_code: Mapped[str] = mapped_column(String(8), primary_key=True)
    instrument_version_id: Mapped[int] = mapped_column(ForeignKey("instrument_version.id"), primary_key=True)
    assessed: Mapped[int]
    score_sum: Mapped[int] = mapped_column(BigInteger)  # millionths of a point (Tally.score_sum)
    levels: Mapped[dict] = mapped_column(JSON)  # {level code: count}
    sections: Mapped[dict] = mapped_column(JSON)  # {section code: [count, sum in millionths]}
    totals: Mapped[dict] = mapped_column(JSON)  # {total as shown, in tenths of a point: count}

    def tally(self):
        return tally_of(self.assessed, self.score_sum, self.levels, self.sections, self.totals)

    def keep(self, tally):
        """Store `tally` in this row."""
        for name, value in columns_of(tally).items():
            setattr(self, name, value)


class AreaCooperatives(db.Model):
    """How many cooperatives an area (kecamatan, regency or province, by its code) has: what a rollup's
    coverage is a share of. Kept by seed_cooperatives, the one place cooperatives are made."""
    __tablename__ = "area_cooperatives"

    area_code: Mapped[str] = mapped_column(String(8), primary_key=True)
    cooperatives: Mapped[int]


def columns_of(tally):
    """The columns that keep `tally`."""
    return {"assessed": tally.assessed, "score_sum": tally.score_sum, "levels": dict(tally.levels),
            "sections": {code: list(pair) for code, pair in tally.sections.items()},
            "totals": {str(k): n for k, n in tally.totals.items()}}


def tally_of(assessed, score_sum, levels, sections, totals):
    """The Tally of a row's columns as read (JSON keys are text), sharing none of their dicts: a change to
    the Tally must not change the row's value unseen."""
    return Tally(assessed, score_sum, dict(levels), {code: tuple(pair) for code, pair in sections.items()},
                 {int(k): n for k, n in totals.items()})
