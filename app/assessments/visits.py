"""A cooperative's visits as the cooperative list and page show them, and the open drafts a new start asks about."""
import uuid
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, bindparam, func, or_, select

from app.assessments.models import APPROVED, EDITABLE, STATUSES, SUBMITTED, Assessment
from app.assessments.workflow import UNVISITED
from app.auth.models import User
from app.cooperatives.models import Cooperative
from app.extensions import db
from app.instruments.definition import Text
from app.instruments.models import InstrumentVersion, instrument_of

# A visit is named by its latest assessment's status; a submitted one is, for the cooperative, waiting.
VISIT_LABELS = {UNVISITED: _l("Belum dikunjungi"), **STATUSES, SUBMITTED: _l("Menunggu tinjauan")}
SCORED = (SUBMITTED, APPROVED)  # the states whose stored total counts as the cooperative's last score


@dataclass
class Visit:
    """One cooperative's row: its latest assessment's status, who holds it while it is open (unless it is
    this user), its last score and level, and this user's own open draft with its first section."""
    status: str | None = None
    holder: str | None = None
    score: float | None = None
    level: Text | None = None  # the level's label
    draft: uuid.UUID | None = None
    first_section: str | None = None

    @property
    def label(self):
        return VISIT_LABELS[self.status or UNVISITED]


def visits(scope, cooperative_ids, user_id):
    """{cooperative id: Visit} for `cooperative_ids` in `scope`, in one query (see _statement)."""
    if not cooperative_ids:
        return {}
    statement = _STATEMENTS.get(scope.kind)
    if statement is None:  # building it costs more than running it: once per kind of area
        statement = _STATEMENTS[scope.kind] = _statement(scope)
    rows = db.session.execute(statement, {**scope.params, "cooperative_ids": list(cooperative_ids),
                                          "user_id": user_id})
    found = {cooperative_id: Visit() for cooperative_id in cooperative_ids}
    for row in rows:
        visit, mine = found[row.cooperative_id], row.facilitator_id == user_id
        instrument = instrument_of(db.session, row.instrument_version_id, row.fingerprint)
        if row.latest == 1:
            visit.status = row.status
            visit.holder = row.name if row.status in EDITABLE and not mine else None
        if row.status in SCORED and row.scored == 1 and row.score is not None:
            visit.score, visit.level = row.score, instrument.level(row.level).label
        if row.status in EDITABLE and mine and row.own == 1:
            visit.draft, visit.first_section = row.id, instrument.sections[0].code
    return found


def _statement(scope):
    """The assessments of the cooperatives "cooperative_ids" in `scope`'s kind of area that a row shows: each
    cooperative's latest (by visit), its latest submitted or approved (newest status first, as the rollups
    count them), and the latest open draft of the user "user_id"; with the facilitator's name and the
    instrument version's fingerprint."""
    newest = (Assessment.visit_date.desc(), Assessment.created_at.desc(), Assessment.id.desc())
    user_id, cooperative_ids = bindparam("user_id"), bindparam("cooperative_ids", expanding=True)
    own = and_(Assessment.facilitator_id == user_id, Assessment.status.in_(EDITABLE))
    ranked = scope.assessment_rows(
        Assessment.cooperative_id, Assessment.id, Assessment.status, Assessment.facilitator_id, Assessment.score,
        Assessment.level, Assessment.instrument_version_id,
        func.row_number().over(partition_by=Assessment.cooperative_id, order_by=newest).label("latest"),
        func.row_number().over(partition_by=(Assessment.cooperative_id, Assessment.status.in_(SCORED)),
                               order_by=(Assessment.status_at.desc(), Assessment.visit_date.desc())).label("scored"),
        func.row_number().over(partition_by=(Assessment.cooperative_id, own), order_by=newest).label("own"),
    ).where(  # on both sides of the join, so a planner may start from either, statistics or none
        Assessment.cooperative_id.in_(cooperative_ids), Cooperative.id.in_(cooperative_ids)).subquery()
    return (select(ranked, User.name, InstrumentVersion.fingerprint)
            .join(User, User.id == ranked.c.facilitator_id)
            .join(InstrumentVersion, InstrumentVersion.id == ranked.c.instrument_version_id)
            .where(or_(ranked.c.latest == 1, and_(ranked.c.status.in_(SCORED), ranked.c.scored == 1),
                       and_(ranked.c.facilitator_id == user_id, ranked.c.status.in_(EDITABLE), ranked.c.own == 1))))


_STATEMENTS = {}  # kind of area -> the statement of visits(), built by _statement


def open_drafts(scope, cooperative_id):
    """The cooperative's assessments still open (draft or returned) in `scope`, newest first: a new start
    for the same cooperative asks before it makes another."""
    return db.session.scalars(scope.assessments().where(
        Assessment.cooperative_id == cooperative_id, Assessment.status.in_(EDITABLE))).all()
