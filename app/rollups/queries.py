"""The assessments that count for a rollup, as of a date: read from stored results, never re-scored."""
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import aliased

from app.assessments.models import Assessment, Event
from app.assessments.workflow import APPROVED, SUBMITTED
from app.cooperatives.models import Cooperative
from app.extensions import db
from app.regions.models import Village
from app.rollups.stats import Scored


def end_of(day, timezone):
    """The first moment after `day` in the Dinas's timezone: "as of 14 October" includes all of it."""
    return datetime.combine(day + timedelta(days=1), time(), ZoneInfo(timezone))


def counted(where, as_of, timezone, include_submitted=False):
    """Scored rows of the assessments approved (or, if asked, submitted) as of the end of `as_of`.

    `where` are clauses on Assessment, Cooperative, Village or District (the user's area, a kecamatan).
    The state as of the date is the target of the assessment's last transition before then, so an
    assessment approved later, or reopened before then, does not count. Only the area's events are
    read, so a kecamatan's rollup does not scan the country's history.
    """
    in_area = (select(Assessment.id).join(Assessment.cooperative).join(Cooperative.village).join(Village.district)
               .where(*where))
    latest = (select(Event.assessment_id, func.max(Event.id).label("event_id"))
              .where(Event.target.is_not(None), Event.at < end_of(as_of, timezone), Event.assessment_id.in_(in_area))
              .group_by(Event.assessment_id).subquery())
    state = aliased(Event)
    states = (APPROVED, SUBMITTED) if include_submitted else (APPROVED,)
    rows = db.session.execute(
        select(Assessment.cooperative_id, Assessment.id, state.at, Assessment.visit_date, Assessment.score,
               Assessment.level, Assessment.result)
        .join(latest, latest.c.assessment_id == Assessment.id).join(state, state.id == latest.c.event_id)
        .where(state.target.in_(states), Assessment.score.is_not(None)))
    return [Scored(coop, aid, at, visit, score, level, {code: s["score"] for code, s in result["sections"].items()})
            for coop, aid, at, visit, score, level, result in rows]


def cooperative_counts(where):
    """{kecamatan code: number of cooperatives} within `where`."""
    return dict(db.session.execute(
        select(Village.district_code, func.count(Cooperative.id)).join(Cooperative.village).join(Village.district)
        .where(*where).group_by(Village.district_code)).all())


def district_of(where):
    """{cooperative id: kecamatan code} for the cooperatives in `where`."""
    return dict(db.session.execute(select(Cooperative.id, Village.district_code).join(Cooperative.village)
                                   .join(Village.district).where(*where)).all())
