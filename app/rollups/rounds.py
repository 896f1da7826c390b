"""The reads behind change between rounds: approved rounds and Bimtek attendance of an area, each in one
query, handed to app.rollups.change for the arithmetic; and what each page shows of it."""
from sqlalchemy import exists, func, or_, select
from sqlalchemy.orm import aliased

from app.access import joined_to_areas
from app.assessments.models import Assessment
from app.assessments.workflow import APPROVED
from app.bimtek.models import Attendance, BimtekSession, Participant
from app.cooperatives.models import Cooperative
from app.extensions import db
from app.instruments.models import InstrumentVersion
from app.regions.models import District
from app.rollups.change import Split, by_cooperative, latest, round_of, section_means, split_around_session
from app.rollups.change import split_between_rounds


def approved_rounds(where, instrument_code, area=District.code):
    """{cooperative id: its approved rounds of instrument `instrument_code`, oldest first} for the
    cooperatives in `where` (clauses on Cooperative, Village, District or Regency), each Round's area the
    `area` column's code: one query."""
    rows = db.session.execute(joined_to_areas(
        select(Assessment.cooperative_id, Assessment.status_at, Assessment.visit_date, Assessment.score,
               Assessment.level, Assessment.result, area).join(Assessment.instrument_version)
        .join(Assessment.cooperative))
        .where(Assessment.status == APPROVED, Assessment.score.is_not(None),
               InstrumentVersion.code == instrument_code, *where))
    return by_cooperative(round_of(coop, at, visit, score, level, result, instrument_code, code)
                          for coop, at, visit, score, level, result, code in rows)


def attendance_counts():
    """A clause on Participant: the participant counts as attended, present on a day of the session, or
    registered for a session where no attendance was taken."""
    present = exists().where(Attendance.participant_id == Participant.id, Attendance.present.is_(True))
    other = aliased(Participant)  # anyone registered for the same session
    taken = exists().where(Attendance.participant_id == other.id, other.session_id == Participant.session_id)
    return or_(present, ~taken)


def attended_sessions(where):
    """{cooperative id: [(first day, last day)] of the sessions it attended} for the cooperatives in
    `where`: one query."""
    rows = db.session.execute(joined_to_areas(
        select(Participant.cooperative_id, BimtekSession.held_on, func.coalesce(BimtekSession.ends_on,
                                                                                 BimtekSession.held_on))
        .select_from(Participant).join(Participant.session).join(Cooperative,
                                                                 Cooperative.id == Participant.cooperative_id))
        .where(attendance_counts(), *where).distinct())
    found = {}
    for cooperative, first, last in rows:
        found.setdefault(cooperative, []).append((first, max(first, last)))
    return found


def attended_at(session):
    """The ids of the cooperatives that attended `session`."""
    return set(db.session.scalars(select(Participant.cooperative_id).join(Participant.session).where(
        Participant.session_id == session.id, attendance_counts()).distinct()))


def cooperative_change(assessments):
    """What a cooperative's page shows of its change: the Comparison of its latest approved round with the
    one before (None before any) and that round's instrument, from its `assessments` already loaded."""
    approved = [a for a in assessments if a.status == APPROVED and a.score is not None]
    rounds = by_cooperative(round_of(a.cooperative_id, a.status_at, a.visit_date, a.score, a.level, a.result,
                                     a.instrument_version.code) for a in approved)
    comparison = latest(next(iter(rounds.values()), []))
    newest = max(approved, key=lambda a: (a.status_at, a.visit_date)) if approved else None
    return {"change": comparison, "change_instrument": newest.instrument if newest else None}


def rounds_change(cooperative_id, current):
    """The Comparison of the cooperative's latest approved round of the `current` instrument with the one
    before it, or None without any: one query."""
    rounds = approved_rounds([Cooperative.id == cooperative_id], current.code)
    return latest(rounds.get(cooperative_id, []))


def district_change(where, current):
    """What a kecamatan page shows: per section of the `current` instrument, the mean score now and before
    over the cooperatives with two approved rounds, and how many those are."""
    comparisons = [c for c in map(latest, approved_rounds(where, current.code).values()) if c.previous]
    return {"section_changes": section_means(comparisons, current.section_codes), "compared": len(comparisons)}


def area_splits(areas, tier, where, current):
    """[(area, Split)] for `areas` (of `tier`) within `where`, and the Split of them all: each cooperative's
    latest against previous round, by whether it attended a session held between the two."""
    rounds = approved_rounds(where, current.code, tier.column)
    sessions = attended_sessions(where)
    members = db.session.execute(joined_to_areas(select(Cooperative.id, tier.column)).where(*where)).all()
    by_area = {}
    for cooperative, code in members:
        by_area.setdefault(code, []).append(cooperative)
    rows = [(a, split_between_rounds(by_area.get(a.code, []), rounds, sessions)) for a in areas]
    return rows, split_between_rounds([c for c, _ in members], rounds, sessions)


def session_split(session, where, current, cooperative_ids):
    """The Split of the session's cooperatives (`cooperative_ids`, in `where`): the latest round after the
    session against the last before it, by whether they attended."""
    if current is None:
        return Split()
    days = session.days
    return split_around_session(cooperative_ids, approved_rounds(where, current.code), attended_at(session),
                                days[0], days[-1])

