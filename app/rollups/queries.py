"""The assessments that count for a rollup, as of a date: read from stored results, never re-scored."""
from sqlalchemy import func, select
from sqlalchemy.orm import aliased

from app.access import joined_to_areas
from app.assessments.models import Assessment, Event
from app.assessments.workflow import APPROVED, SUBMITTED
from app.auth.models import User
from app.clock import end_of, today
from app.cooperatives.models import Cooperative
from app.extensions import db
from app.regions.models import District
from app.rollups.stats import Scored


def latest_counted(where, as_of, timezone, include_submitted=False, sections=(), keep=1, area=District.code):
    """A subquery: each cooperative's `keep` latest assessments approved (or, if asked, submitted) as of
    the end of `as_of`, in the cooperatives of `where` (clauses on Cooperative, Village, District or
    Regency: the user's area).

    The state as of a date is the target of the assessment's last transition before then, so an
    assessment approved later, or reopened before then, does not count. As of today that is its status
    now, read from the assessment (status, status_at); an earlier date reads the area's history.
    Stored results are read only for the rows kept. Columns: cooperative_id, assessment_id, counted_at,
    visit_date, score, level, area (the `area` column's code) and section_<i>, the stored score of
    each of `sections` (codes).
    """
    states = (APPROVED, SUBMITTED) if include_submitted else (APPROVED,)
    in_area = joined_to_areas(select(Cooperative.id)).where(*where)
    if as_of >= today(timezone):  # nothing has happened after now
        candidates = current_states(states, in_area)
    else:
        candidates = states_as_of(states, in_area, end_of(as_of, timezone))
    candidates = candidates.subquery()
    ranked = select(candidates.c.id, candidates.c.counted_at, func.row_number().over(
        partition_by=candidates.c.cooperative_id,
        order_by=(candidates.c.counted_at.desc(), candidates.c.visit_date.desc())).label("rank")).subquery()
    return (joined_to_areas(
                select(Assessment.cooperative_id, Assessment.id.label("assessment_id"), ranked.c.counted_at,
                       Assessment.visit_date, Assessment.score, Assessment.level, area.label("area"),
                       *(Assessment.result[("sections", code, "score")].as_float().label(f"section_{i}")
                         for i, code in enumerate(sections)))
                .join(ranked, ranked.c.id == Assessment.id).join(Assessment.cooperative))
            .where(ranked.c.rank <= keep, Assessment.score.is_not(None))
            .subquery())


def current_states(states, in_area):
    """The assessments of the cooperatives `in_area` whose status is one of `states`: id, cooperative_id,
    visit_date, and counted_at, when they reached it."""
    return (select(Assessment.id, Assessment.cooperative_id, Assessment.visit_date,
                   Assessment.status_at.label("counted_at"))
            .where(Assessment.status.in_(states), Assessment.cooperative_id.in_(in_area)))


def states_as_of(states, in_area, end):
    """The same as current_states, as of the moment `end`, from the history: each assessment's last
    transition before then (read from the covering index on assessment, target, time and id)."""
    last = (select(Event.assessment_id, func.max(Event.id).label("event_id"))
            .where(Event.assessment_id.in_(select(Assessment.id).where(Assessment.cooperative_id.in_(in_area))),
                   Event.target.is_not(None), Event.at < end)
            .group_by(Event.assessment_id).subquery())
    state = aliased(Event)
    return (select(Assessment.id, Assessment.cooperative_id, Assessment.visit_date, state.at.label("counted_at"))
            .join(last, last.c.assessment_id == Assessment.id).join(state, state.id == last.c.event_id)
            .where(state.target.in_(states)))


def counted(where, as_of, timezone, include_submitted=False, sections=(), keep=1):
    """Scored rows of each cooperative's `keep` latest counted assessments (see latest_counted)."""
    latest = latest_counted(where, as_of, timezone, include_submitted, sections, keep)
    return [Scored(cooperative, assessment, counted_at, visit, score, level, dict(zip(sections, scores)), code)
            for cooperative, assessment, counted_at, visit, score, level, code, *scores
            in db.session.execute(select(latest))]


def counted_scores(where, as_of, timezone, include_submitted, sections, area):
    """Scored rows of each cooperative's latest counted assessment, holding only what a rollup reads:
    score, level, section scores and area (reading less is what keeps a national rollup fast)."""
    latest = latest_counted(where, as_of, timezone, include_submitted, sections, 1, area)
    columns = (latest.c.score, latest.c.level, latest.c.area, *(latest.c[f"section_{i}"] for i in range(len(sections))))
    return [Scored(None, None, None, None, score, level, dict(zip(sections, scores)), code)
            for score, level, code, *scores in db.session.execute(select(*columns))]


def cooperative_counts(where, area=District.code):
    """{area code: number of cooperatives} within `where`, per the `area` column (kecamatan by default)."""
    return dict(db.session.execute(
        joined_to_areas(select(area, func.count(Cooperative.id))).where(*where).group_by(area)).all())


def approval_of(assessment_id, counted_at):
    """(the name of the facilitator who made it, the name of who approved it) of an assessment counted as
    approved at `counted_at`: the approval that made it count is its last one up to then."""
    approver = aliased(User)
    return db.session.execute(
        select(User.name, approver.name).select_from(Event).join(Assessment, Assessment.id == Event.assessment_id)
        .join(User, User.id == Assessment.facilitator_id).join(approver, approver.id == Event.user_id)
        .where(Event.assessment_id == assessment_id, Event.target == APPROVED, Event.at <= counted_at)
        .order_by(Event.at.desc(), Event.id.desc()).limit(1)).one_or_none()
