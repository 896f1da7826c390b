"""The assessments that count for a rollup, as of a date: read from stored results, never re-scored."""
from sqlalchemy import func, select
from sqlalchemy.orm import aliased

from app.access import joined_to_areas
from app.assessments.models import Assessment, Event
from app.assessments.workflow import APPROVED, DRAFT, RETURNED, SUBMITTED
from app.auth.models import User, user_district
from app.clock import end_of, today
from app.cooperatives.models import Cooperative
from app.extensions import db
from app.regions.models import District
from app.roles import FACILITATOR
from app.assessments.workflow import UNVISITED
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
    candidates = states_then(states, where, as_of, timezone).subquery()
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


def states_then(states, where, as_of, timezone):
    """The assessments of the cooperatives in `where` whose state at the end of `as_of` was one of `states`
    (see current_states)."""
    in_area = joined_to_areas(select(Cooperative.id)).where(*where)
    if as_of >= today(timezone):  # nothing has happened after now
        return current_states(states, in_area)
    return states_as_of(states, in_area, end_of(as_of, timezone))


def current_states(states, in_area):
    """The assessments of the cooperatives `in_area` whose status is one of `states`: id, cooperative_id,
    visit_date, counted_at, when they reached it, and state, the status."""
    return (select(Assessment.id, Assessment.cooperative_id, Assessment.visit_date,
                   Assessment.status_at.label("counted_at"), Assessment.status.label("state"))
            .where(Assessment.status.in_(states), Assessment.cooperative_id.in_(in_area)))


def states_as_of(states, in_area, end):
    """The same as current_states, as of the moment `end`, from the history: each assessment's last
    transition before then (read from the covering index on assessment, target, time and id)."""
    last = (select(Event.assessment_id, func.max(Event.id).label("event_id"))
            .where(Event.assessment_id.in_(select(Assessment.id).where(Assessment.cooperative_id.in_(in_area))),
                   Event.target.is_not(None), Event.at < end)
            .group_by(Event.assessment_id).subquery())
    state = aliased(Event)
    return (select(Assessment.id, Assessment.cooperative_id, Assessment.visit_date, state.at.label("counted_at"),
                   state.target.label("state"))
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


def approval_of(assessment_id, counted_at):
    """(the name of the facilitator who made it, the name of who approved it) of an assessment counted as
    approved at `counted_at`: the approval that made it count is its last one up to then."""
    approver = aliased(User)
    return db.session.execute(
        select(User.name, approver.name).select_from(Event).join(Assessment, Assessment.id == Event.assessment_id)
        .join(User, User.id == Assessment.facilitator_id).join(approver, approver.id == Event.user_id)
        .where(Event.assessment_id == assessment_id, Event.target == APPROVED, Event.at <= counted_at)
        .order_by(Event.at.desc(), Event.id.desc()).limit(1)).one_or_none()


def latest_visits(where, as_of, timezone, area=District.code):
    """A subquery: every cooperative in `where`, its `area` code, and its latest visit as of the end of
    `as_of` (by visit date, then by when it reached its state): the visit's state then and its facilitator,
    both NULL for a cooperative not visited by then."""
    visits = states_then((DRAFT, SUBMITTED, RETURNED, APPROVED), where, as_of, timezone).subquery()
    ranked = select(visits, func.row_number().over(
        partition_by=visits.c.cooperative_id,
        order_by=(visits.c.visit_date.desc(), visits.c.counted_at.desc(), visits.c.id)).label("rank")).subquery()
    latest = select(ranked).where(ranked.c.rank == 1).subquery()
    return (joined_to_areas(select(Cooperative.id.label("cooperative_id"), area.label("area"), latest.c.state,
                                   Assessment.facilitator_id).select_from(Cooperative))
            .outerjoin(latest, latest.c.cooperative_id == Cooperative.id)
            .outerjoin(Assessment, Assessment.id == latest.c.id)
            .where(*where).subquery())


def visit_states(where, as_of, timezone):
    """{cooperative id: the state of its latest visit as of `as_of`, or UNVISITED} for the cooperatives in
    `where`: what a page says of a cooperative no counted assessment scores."""
    latest = latest_visits(where, as_of, timezone)
    return {cooperative: state or UNVISITED
            for cooperative, state in db.session.execute(select(latest.c.cooperative_id, latest.c.state))}


def visit_counts(where, timezone, area=District.code):
    """[(area code, facilitator id or None, state or UNVISITED, number of cooperatives)]: the cooperatives in
    `where` by the state of their latest visit today, per `area` column and the visit's facilitator."""
    latest = latest_visits(where, today(timezone), timezone, area)
    group = (latest.c.area, latest.c.facilitator_id, latest.c.state)
    return [(code, facilitator, state or UNVISITED, n)
            for code, facilitator, state, n in db.session.execute(select(*group, func.count()).group_by(*group))]


def facilitators(where, visiting=()):
    """{user id: (name, [(code, name) of their kecamatan in `where`])}: the active facilitators assigned to a
    kecamatan in `where` (clauses on District and Regency), and the users `visiting` (ids), whose visits
    there count, assigned there or not; by name."""
    assigned = (select(User.id, User.name, District.code, District.name)
                .join(user_district, user_district.c.user_id == User.id)
                .join(District, District.code == user_district.c.district_code).join(District.regency)
                .where(User.role == FACILITATOR, User.active, *where).order_by(District.name))
    found = {}
    for user, name, code, district in db.session.execute(assigned):
        found.setdefault(user, (name, []))[1].append((code, district))
    others = set(visiting) - set(found)
    if others:
        found.update((user, (name, [])) for user, name in db.session.execute(
            select(User.id, User.name).where(User.id.in_(others))))
    return dict(sorted(found.items(), key=lambda item: item[1][0].lower()))
