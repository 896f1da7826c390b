"""Follow-up plans read and written: the cooperatives of a session that get a plan, the assessment each is
proposed from, the generation that adds no duplicates, and an action's photo."""
import uuid
from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from app.access import scope
from app.assessments.models import APPROVED, Assessment
from app.bimtek.models import Participant
from app.cooperatives.models import Cooperative
from app.extensions import db
from app.followup.models import DONE, OPEN, PARTLY, FollowupAction
from app.followup.plans import propose
from app.i18n import today
from app.regions.models import District
from app.storage.photos import forget, keep

PLAN_DAYS = 90  # Tuban's 3-month plan: due this long after the session's last day
OWNER_ROLE = "pengurus:ketua"
TO_CHECK = (OPEN, PARTLY)  # what a visit still has to look at


def last_day(session):
    return session.days[-1]


def default_due(session):
    """The default due date of a proposed action: the session's last day + PLAN_DAYS."""
    return last_day(session) + timedelta(days=PLAN_DAYS)


def default_owner(cooperative):
    """The cooperative's ketua, else its first pengurus, else nobody."""
    pengurus = [officer for officer in cooperative.officers if officer.body == "pengurus"]
    return next((o for o in pengurus if o.role == OWNER_ROLE), pengurus[0] if pengurus else None)


def participating(session):
    """The cooperatives of the session in the user's area that have participants, by place."""
    registered = select(Participant.cooperative_id).where(Participant.session_id == session.id)
    return db.session.scalars(scope().cooperatives().where(District.code.in_(session.district_codes),
                                                           Cooperative.id.in_(registered))).all()


def approved_before(session):
    """The clauses on Assessment of the ones a plan is proposed from: approved, visited by the session's end."""
    return Assessment.status == APPROVED, Assessment.visit_date <= last_day(session)


def latest_approved(cooperative_ids, session):
    """{cooperative id: Assessment}: each cooperative's latest approved assessment visited on or before the
    session's last day (latest visit first, then latest approval), with its answers."""
    found = db.session.scalars(
        select(Assessment).options(selectinload(Assessment.answers), selectinload(Assessment.instrument_version))
        .where(Assessment.cooperative_id.in_(cooperative_ids), *approved_before(session))
        .order_by(Assessment.visit_date.desc(), Assessment.status_at.desc()))
    latest = {}
    for assessment in found:
        latest.setdefault(assessment.cooperative_id, assessment)
    return latest


def proposals_of(assessment):
    """The Proposals for an assessment's cooperative, from its answers and stored section scores."""
    sections = (assessment.result or {}).get("sections", {})
    return propose(assessment.instrument, assessment.values(),
                   {code: (value or {}).get("score") for code, value in sections.items()})


def generate(session):
    """Add the proposed actions of every participating cooperative, none twice (same session, cooperative and
    question); returns (actions added, cooperatives without an approved assessment)."""
    cooperatives = participating(session)
    latest = latest_approved([c.id for c in cooperatives], session)
    taken = set(db.session.execute(select(FollowupAction.cooperative_id, FollowupAction.question_code)
                                   .where(FollowupAction.session_id == session.id)).all())
    added = 0
    for cooperative in cooperatives:
        if cooperative.id not in latest:
            continue
        for proposal in proposals_of(latest[cooperative.id]):
            if (cooperative.id, proposal.question_code) in taken:
                continue
            taken.add((cooperative.id, proposal.question_code))
            db.session.add(FollowupAction(session=session, cooperative=cooperative, section_code=proposal.section_code,
                                          question_code=proposal.question_code, text=proposal.text,
                                          owner=default_owner(cooperative), due_on=default_due(session)))
            added += 1
    db.session.commit()
    return added, [c for c in cooperatives if c.id not in latest]


def session_plans(session):
    """What the session page shows of its follow-up plans: the participating cooperatives, how many actions each
    has and how many are done, and which have no approved assessment to propose from."""
    cooperatives = participating(session)
    counts = dict(db.session.execute(
        select(FollowupAction.cooperative_id, func.count()).where(FollowupAction.session_id == session.id)
        .group_by(FollowupAction.cooperative_id)).all())
    done = dict(db.session.execute(
        select(FollowupAction.cooperative_id, func.count()).where(FollowupAction.session_id == session.id,
                                                                  FollowupAction.status == DONE)
        .group_by(FollowupAction.cooperative_id)).all())
    assessed = set(db.session.scalars(select(Assessment.cooperative_id).distinct().where(
        *approved_before(session), Assessment.cooperative_id.in_([c.id for c in cooperatives]))))
    return {"plan_cooperatives": cooperatives, "plan_counts": counts, "plan_done": done,
            "plan_unassessed": [c for c in cooperatives if c.id not in assessed]}


def open_first(actions):
    """Actions as the cooperative page lists them: still to check (open, partly done) first, by due date."""
    return sorted(actions, key=lambda a: (a.status not in TO_CHECK, a.due_on, a.id))


def store_action_photo(action, photo):
    """Keep a processed Photo for `action` under a new id, in place of the one it had, in the session (the
    caller commits: the action, its new photo and the old one's removal go together)."""
    if action.photo_id:
        forget(action.photo_id)
    action.photo_id = uuid.uuid4()
    keep(action.photo_id, photo.jpeg)


def cooperative_followup(cooperative):
    """What the cooperative page shows of its follow-up plans: its actions, still to check first."""
    actions = open_first(db.session.scalars(
        select(FollowupAction).options(selectinload(FollowupAction.session), selectinload(FollowupAction.owner))
        .where(FollowupAction.cooperative_id == cooperative.id)).all())
    return {"followup_actions": actions, "followup_today": today(),
            "followup_open": sum(1 for a in actions if a.status in TO_CHECK)}
