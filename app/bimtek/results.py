"""The reads and writes of a session's test results that several views share: the participants the user may
see, their answer sheets, scores recomputed from them, and the session page's results section."""
from flask import abort
from sqlalchemy import select
from sqlalchemy.orm import contains_eager, selectinload

from app.access import joined_to_districts, scope
from app.bimtek.gains import Question, paired_gain, topic_gains, sheet_score
from app.bimtek.models import PHASES, Participant, TestAnswer, TestQuestion
from app.cooperatives.models import Cooperative
from app.extensions import db
from app.regions.models import District, Village
from app.rollups.asked import instrument


def participants(session, *where):
    """The session's participants (those `where` selects) from cooperatives in the user's area, by kecamatan,
    village and registration."""
    statement = (joined_to_districts(select(Participant).join(Participant.cooperative))
                 .options(contains_eager(Participant.cooperative).contains_eager(Cooperative.village)
                          .contains_eager(Village.district), selectinload(Participant.person))
                 .where(Participant.session_id == session.id, scope().district_clause(), *where)
                 .order_by(District.name, Village.name, Participant.id))
    return db.session.scalars(statement).all()


def participant_or_404(session, participant_id):
    """One participant of the session, in the user's area."""
    found = participants(session, Participant.id == participant_id)
    if not found:
        abort(404)
    return found[0]


def questions_of(session):
    """The session's questions as the arithmetic needs them, in number order."""
    return [Question(q.id, q.topic_code, q.answer) for q in session.questions]


def sheets(participant_ids):
    """{(participant id, phase): {question id: choice}} of the answer sheets kept for these participants."""
    found = {}
    if participant_ids:
        for answer in db.session.scalars(select(TestAnswer).where(TestAnswer.participant_id.in_(participant_ids))):
            found.setdefault((answer.participant_id, answer.phase), {})[answer.question_id] = answer.choice
    return found


def sheet_keys(session):
    """The (participant id, phase) pairs of the session that have an answer sheet, whoever's area."""
    return set(db.session.execute(select(TestAnswer.participant_id, TestAnswer.phase).distinct()
                                  .join(TestQuestion).where(TestQuestion.session_id == session.id)).all())


def recompute(session, keys):
    """Score again the answer sheets `keys` ((participant id, phase)) from the session's questions and full score,
    after a question or the full score changed; a sheet left with no answer no longer gives a score."""
    if not keys:
        return
    db.session.flush()
    kept, questions = sheets([p for p, _ in keys]), questions_of(session)
    for participant in session.participants:
        for phase in PHASES:
            if (participant.id, phase) in keys:
                choices = kept.get((participant.id, phase))
                score = sheet_score(choices, questions, session.test_max) if choices else None
                setattr(participant, f"{phase}_score", score)


def section(session):
    """What the session page's results section shows: the paired means overall and per training topic."""
    people = participants(session)
    kept = sheets([p.id for p in people])
    questions = questions_of(session)
    current = instrument()
    titles = {topic.code: topic.title for topic in current.topics} if current else {}
    per_topic = topic_gains([(kept.get((p.id, "pre")), kept.get((p.id, "post"))) for p in people], questions)
    return {"results": paired_gain([(p.pre_score, p.post_score) for p in people], session.test_max),
            "result_topics": [(code, titles.get(code, {"id": code, "en": code}), gain)
                              for code, gain in per_topic.items()],
            "result_people": len(people), "result_sheets": len(kept)}
