"""The kept tallies: what today's rollups read instead of every assessment and cooperative. Per area (a
kecamatan, a regency or a province, by its code) and instrument version, the Tally of the cooperatives
whose latest approved assessment was made with that version (AreaTally); per area, how many cooperatives
it has (AreaCooperatives).

They are kept in step in the transactions that change them: a transition that changes which assessment
counts for a cooperative (`follow`), the making of cooperatives (`count_cooperatives`), the benchmark's
seed. `rebuild` (`flask rollups rebuild`, and the migration that made them) recounts them from the
assessments and cooperatives and reports any difference.

A cooperative counts by its latest approved assessment, as latest_counted ranks them: the latest to be
approved, then the latest visit. A transition to or from approved can change that one assessment only
for its own cooperative, so `follow` compares the cooperative's counted assessment before and after it.
"""
from dataclasses import dataclass
from datetime import UTC, date, datetime

from flask import current_app
from sqlalchemy import delete, func, insert, select, text, true, tuple_

from app.access import joined_to_areas
from app.assessments.models import Assessment
from app.assessments.workflow import APPROVED
from app.clock import today
from app.cooperatives.models import Cooperative
from app.extensions import db, upsert
from app.instruments.models import InstrumentVersion
from app.regions.models import District, Regency
from app.rollups.models import AreaCooperatives, AreaTally, columns_of, tally_of
from app.rollups.queries import latest_counted
from app.rollups.stats import Tally

TALLIED = (AreaTally.assessed, AreaTally.score_sum, AreaTally.levels, AreaTally.sections, AreaTally.totals)
COOPERATIVES = None  # the "version" of a cooperative count in rebuild's differences
# A kecamatan's code, its regency's and its province's; AREAS reads them from the kecamatan's own row.
AREA_CODES = (District.code, District.regency_code, Regency.province_code)
AREAS = select(*AREA_CODES).join(District.regency)


# --- Reading ------------------------------------------------------------------------------------

class Kept:
    """The kept rows of the areas by `column` (a Tier's: the area's code) that hold kecamatan in `where`
    (clauses on District and Regency). An area whose kecamatan are all in `where` is read from its own
    rows; one only some of whose kecamatan are (a supervisor's province), from the sum of those
    kecamatan's rows."""

    def __init__(self, where, column):
        self.where, self.column = where, column
        per_area = select(column, func.count()).select_from(District).join(District.regency).group_by(column)
        inside = dict(db.session.execute(per_area.where(*where)).all())
        everywhere = dict(db.session.execute(per_area.where(column.in_(list(inside)))).all())
        self.whole = [code for code, n in inside.items() if everywhere[code] == n]
        self.partial = [code for code in inside if code not in self.whole]

    def tallies(self):
        """{area code: Tally}."""
        found = {}
        whole = db.session.execute(select(AreaTally.area_code, *TALLIED).where(AreaTally.area_code.in_(self.whole)))
        for rows in (whole, self.parts(select(self.column, *TALLIED), AreaTally.area_code)):
            for code, *columns in rows:
                found[code] = found[code].add(tally_of(*columns)) if code in found else tally_of(*columns)
        return found

    def cooperatives(self):
        """{area code: number of cooperatives}."""
        found = dict(db.session.execute(select(AreaCooperatives.area_code, AreaCooperatives.cooperatives)
                                        .where(AreaCooperatives.area_code.in_(self.whole))).all())
        found.update(self.parts(select(self.column, func.sum(AreaCooperatives.cooperatives)).group_by(self.column),
                                AreaCooperatives.area_code))
        return found

    def parts(self, statement, area_code):
        """The rows of `statement` over the kept rows (by `area_code`) of the partial areas' kecamatan in
        `where`; none, unread, when every area is whole."""
        if not self.partial:
            return []
        return db.session.execute(statement.join(District, District.code == area_code).join(District.regency)
                                  .where(*self.where, self.column.in_(self.partial))).all()


# --- Keeping in step ----------------------------------------------------------------------------

@dataclass(frozen=True)
class Counted:
    """An approved assessment as the ranking and a tally read it."""
    id: object
    approved_at: datetime
    visit_date: date
    version: int
    score: float | None
    level: str | None
    result: dict | None

    @property
    def rank(self):
        at = self.approved_at if self.approved_at.tzinfo else self.approved_at.replace(tzinfo=UTC)  # SQLite's
        return at, self.visit_date

    def tally(self):
        return result_tally(self.score, self.level, self.result)


def result_tally(score, level, result):
    """The Tally of one assessment from its stored columns: score, level and result (see stored_result)."""
    sections = ((result or {}).get("sections") or {}).items()
    return Tally().count(score, level, {code: section["score"] for code, section in sections})


def follow(assessment, was, now):
    """Keep the tallies in step with a transition of `assessment` from `was` to `now`, each (status, when it
    was reached), that made it approved or no longer approved, in the transition's transaction (after its
    UPDATE): count the assessment that counted for its cooperative out, and the one that counts now in. The
    kecamatan is locked first on PostgreSQL, so transitions in one kecamatan take turns here, each reading
    what the one before committed (SQLite lets one writer in at a time)."""
    areas = db.session.execute(
        joined_to_areas(select(*AREA_CODES).select_from(Cooperative))
        .where(Cooperative.id == assessment.cooperative_id).with_for_update(of=District, key_share=True)).one()
    other = db.session.execute(
        select(Assessment.id, Assessment.status_at, Assessment.visit_date, Assessment.instrument_version_id,
               Assessment.score, Assessment.level, Assessment.result)
        .where(Assessment.cooperative_id == assessment.cooperative_id, Assessment.status == APPROVED,
               Assessment.id != assessment.id)
        .order_by(Assessment.status_at.desc(), Assessment.visit_date.desc()).limit(1)).one_or_none()

    def counted(status, at):
        """The assessment that counts for the cooperative while this one is in `status` since `at`."""
        candidates = [Counted(*other)] if other else []
        if status == APPROVED:
            candidates.append(Counted(assessment.id, at, assessment.visit_date, assessment.instrument_version_id,
                                      assessment.score, assessment.level, assessment.result))
        return max(candidates, key=lambda row: row.rank, default=None)

    before, after = counted(*was), counted(*now)
    if before == after:
        return
    changes = {}
    for row, times in ((before, -1), (after, 1)):
        if row is not None and row.score is not None:
            for area in areas:
                changes.setdefault((area, row.version), Tally()).add(row.tally(), times)
    add_to_tallies(db.session, changes)


def add_to_tallies(session, changes):
    """Add each Tally of `changes` ({(area code, instrument version id): Tally}, whose counts may be negative)
    to the kept one. Missing rows are made first; all are then locked in one order (PostgreSQL), so two
    transactions sharing a regency or a province take turns without a deadlock."""
    if not changes:
        return
    empty = columns_of(Tally())
    session.execute(upsert(session.get_bind().dialect.name, AreaTally.__table__, [
        {"area_code": area, "instrument_version_id": version, **empty} for area, version in changes
    ]).on_conflict_do_nothing())
    rows = session.scalars(
        select(AreaTally).where(tuple_(AreaTally.area_code, AreaTally.instrument_version_id).in_(list(changes)))
        .order_by(AreaTally.area_code, AreaTally.instrument_version_id).with_for_update()
        .execution_options(populate_existing=True))
    for row in rows:
        row.keep(row.tally().add(changes[row.area_code, row.instrument_version_id]))


def count_cooperatives(session, districts):
    """Add the cooperatives just made, {kecamatan code: how many}, to the counts of their kecamatan, regency
    and province, each in one statement (an upsert that adds)."""
    added = {}
    for codes in session.execute(AREAS.where(District.code.in_(list(districts)))):
        for area in codes:
            added[area] = added.get(area, 0) + districts[codes[0]]
    if added:
        table = AreaCooperatives.__table__
        statement = upsert(session.get_bind().dialect.name, table, [
            {"area_code": area, "cooperatives": n} for area, n in added.items()])
        session.execute(statement.on_conflict_do_update(index_elements=[table.c.area_code], set_={
            "cooperatives": table.c.cooperatives + statement.excluded.cooperatives}))


# --- Recounting ---------------------------------------------------------------------------------

def recounted(session):
    """({(area code, instrument version id): Tally}, {area code: cooperatives}) of every kecamatan, regency and
    province, recounted from the cooperatives and each one's latest approved assessment."""
    codes = sorted({section["code"] for definition in session.scalars(select(InstrumentVersion.definition))
                    for section in definition["sections"]})
    timezone = current_app.config["BABEL_DEFAULT_TIMEZONE"]
    latest = latest_counted([true()], today(timezone), timezone, sections=codes)
    tallies, cooperatives = {}, {}
    for district, regency, province, version, score, level, *scores in session.execute(
            AREAS.add_columns(Assessment.instrument_version_id, latest.c.score, latest.c.level,
                              *(latest.c[f"section_{i}"] for i in range(len(codes))))
            .join(latest, latest.c.area == District.code).join(Assessment, Assessment.id == latest.c.assessment_id)):
        tally = Tally().count(score, level, dict(zip(codes, scores)))
        for area in (district, regency, province):
            tallies.setdefault((area, version), Tally()).add(tally)
    for *areas, n in session.execute(joined_to_areas(select(*AREA_CODES, func.count(Cooperative.id))
                                                     .select_from(Cooperative)).group_by(*AREA_CODES)):
        for area in areas:
            cooperatives[area] = cooperatives.get(area, 0) + n
    return tallies, cooperatives


def rebuild(session, keep=True):
    """Recount every kept tally and count from the assessments and cooperatives, in one transaction in
    which nothing changes them (PostgreSQL: both tables are locked; SQLite: the first statement takes the
    write lock). Returns the differences found, [(area code, instrument version id or COOPERATIVES, what,
    kept, recounted)]; with `keep` False nothing is changed."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("LOCK TABLE area_tally, area_cooperatives IN EXCLUSIVE MODE"))
    kept = {(area, version): tally_of(*columns) for area, version, *columns in session.execute(
        delete(AreaTally).returning(AreaTally.area_code, AreaTally.instrument_version_id, *TALLIED)
        .execution_options(synchronize_session=False))}
    kept_cooperatives = dict(session.execute(
        delete(AreaCooperatives).returning(AreaCooperatives.area_code, AreaCooperatives.cooperatives)
        .execution_options(synchronize_session=False)).all())
    tallies, cooperatives = recounted(session)
    if tallies:
        session.execute(insert(AreaTally), [{"area_code": area, "instrument_version_id": version,
                                             **columns_of(tally)} for (area, version), tally in tallies.items()])
    if cooperatives:
        session.execute(insert(AreaCooperatives), [{"area_code": area, "cooperatives": n}
                                                    for area, n in cooperatives.items()])
    (session.commit if keep else session.rollback)()
    return differences(kept, tallies) + [
        (area, COOPERATIVES, "cooperatives", kept_cooperatives.get(area, 0), cooperatives.get(area, 0))
        for area in sorted(kept_cooperatives.keys() | cooperatives.keys())
        if kept_cooperatives.get(area, 0) != cooperatives.get(area, 0)]


def differences(kept, fresh):
    """[(area code, instrument version id, what, kept, recounted)] where `kept` and `fresh` (tallies by
    (area, version)) differ, a missing tally counting as an empty one: what is a Tally field's name."""
    found = []
    for key in sorted(kept.keys() | fresh.keys()):
        one, other = kept.get(key, Tally()), fresh.get(key, Tally())
        found += [(*key, name, getattr(one, name), getattr(other, name))
                  for name in ("assessed", "score_sum", "levels", "sections", "totals")
                  if getattr(one, name) != getattr(other, name)]
    return found
