"""Starting, answering and submitting assessments: the rules between the views and the database."""
import time
import uuid
from functools import cache

from sqlalchemy import bindparam, tuple_, update
from sqlalchemy.exc import IntegrityError

from app.assessments.models import DRAFT, TEMPLATE_ID, Answer, Assessment, Event, Photo, SectionNote
from app.assessments.photos import make_thumbnail
from app.assessments.workflow import APPROVED, SUBMITTED, move_for
from app.clock import utcnow
from app.extensions import db, upsert
from app.instruments.definition import AnswerError
from app.instruments.scoring import score
from app.storage.photos import keep
from app.rollups import tallies
from app.assessments.merge import is_newer


NOTE_LIMIT = 5000  # characters kept of a section's notes


class StartConflict(Exception):
    """The id cannot name this facilitator's visit to this cooperative: it is reserved, or already taken."""


class Conflict(Exception):
    """Someone changed the assessment since this user loaded it: nothing was done."""


class CommentNeeded(Exception):
    """Returning or reopening needs a comment saying why."""


class Incomplete(Exception):
    """A submit while required answers are missing; `args[0]` is the scoring Result."""


def record(assessment, user_id, action, **details):
    """Add a step to the assessment's history."""
    db.session.add(Event(assessment_id=assessment.id, user_id=user_id, action=action, **details))


def start(assessment_id, cooperative, facilitator, version, **details):
    """The assessment `assessment_id`, created unless it exists: a retried start makes one assessment.
    Raises StartConflict for TEMPLATE_ID, whatever brought it, and for an id that names another
    facilitator's or another cooperative's assessment."""
    if assessment_id == TEMPLATE_ID:  # the blank pages' id: stored, its facilitator could never open it
        raise StartConflict
    existing = db.session.get(Assessment, assessment_id)
    if existing is None:
        now = utcnow()
        assessment = Assessment(id=assessment_id, cooperative=cooperative, facilitator=facilitator,
                                instrument_version=version, status=DRAFT, status_at=now, **details)
        db.session.add(assessment)
        record(assessment, facilitator.id, "start", target=DRAFT, at=now)
        try:
            db.session.commit()
            return assessment
        except IntegrityError:  # a double tap's twin request created it first
            db.session.rollback()
            existing = db.session.get(Assessment, assessment_id)
    if existing.facilitator_id != facilitator.id or existing.cooperative_id != cooperative.id:
        raise StartConflict
    return existing


def parse_answer(question, raw, not_applicable):
    """(stored value, not_applicable) for a form value; (None, False) clears it. Raises AnswerError."""
    if not_applicable:
        if not question.not_applicable:
            raise AnswerError("not_applicable")
        return None, True
    if raw is None or not raw.strip():
        return None, False
    return question.encode(question.parse(raw)), False


def save_answer(assessment, question, stored, stamp=None):
    """Store one parsed answer (from parse_answer) on the Assessment unless a newer change is stored; True if
    stored. `stamp` is the change's (client ms, outbox seq), by default the server's clock. The answers
    already loaded are left as they were: the caller commits, which expires them."""
    return store_answer(assessment, question.code, assessment.answer(question.code), stored, stamp or server_stamp())


def store_answer(assessment, code, standing, stored, stamp):
    """Store the answer `stored` to question `code` unless `standing` (the stored answer, or None) or one
    stored meanwhile is newer; True if stored. Of `assessment` it reads only `id`, `facilitator_id` and
    `submitted_at`: the autosave passes its Draft. After the first submission, every change is in the history."""
    if standing is not None and not is_newer(stamp, standing.stamp):
        return False
    now = utcnow()
    row = {"value": stored[0], "not_applicable": stored[1], "client_ts": stamp[0], "client_seq": stamp[1],
           "updated_at": now}
    # Two prepared statements, not the ORM's unit of work: autosave is the phone's hot path.
    connection = db.session.connection()
    write, bump = answer_writes(connection.dialect.name)
    if connection.execute(write, {"assessment_id": assessment.id, "question_code": code, **row}).first() is None:
        return False  # a newer change was stored meanwhile
    connection.execute(bump, {"assessment_id": assessment.id, "updated_at": now})
    if assessment.submitted_at is not None:
        old = None if standing is None else history_text(standing.value, standing.not_applicable)
        new = history_text(*stored)
        if old != new:
            record(assessment, assessment.facilitator_id, "answer", question_code=code, old_value=old, new_value=new)
    return True


@cache
def answer_writes(dialect):
    """(store an answer unless the stored one is newer, returning a row if it did; bump the assessment's
    version), built once per database dialect with the change's values as bound parameters. The upsert
    keeps the newer-stamp rule when two saves of one answer race, and a double-tapped first save is no error."""
    answer, assessment = Answer.__table__, Assessment.__table__
    changed = ("value", "not_applicable", "client_ts", "client_seq", "updated_at")
    write = upsert(dialect, answer, {name: bindparam(name, type_=answer.c[name].type)
                                     for name in ("assessment_id", "question_code", *changed)})
    newer = tuple_(write.excluded.client_ts, write.excluded.client_seq) > tuple_(answer.c.client_ts, answer.c.client_seq)
    write = write.on_conflict_do_update(index_elements=["assessment_id", "question_code"],
                                        set_={name: write.excluded[name] for name in changed}, where=newer)
    bump = (update(assessment).where(assessment.c.id == bindparam("assessment_id", type_=assessment.c.id.type))
            .values(version=assessment.c.version + 1, updated_at=bindparam("updated_at")))
    return write.returning(answer.c.question_code), bump


def save_note(assessment, section_code, text, stamp=None):
    """Store a section's notes unless a newer change is stored; True if stored."""
    note = db.session.get(SectionNote, (assessment.id, section_code))
    stamp = stamp or server_stamp()
    if note is not None and not is_newer(stamp, note.stamp):
        return False
    note = note or SectionNote(assessment_id=assessment.id, section_code=section_code)
    note.text = text
    note.client_ts, note.client_seq = stamp
    assessment.version = Assessment.version + 1
    note.updated_at = assessment.updated_at = utcnow()
    db.session.add(note)
    return True


HISTORY_NA = "n/a"  # "Tidak berlaku" as the history stores it


def history_text(value, not_applicable):
    """An answer as the history stores it: its stored text, HISTORY_NA, or None when empty. Pages show it
    in words (labels.history_label)."""
    return HISTORY_NA if not_applicable else value


def server_stamp():
    return (int(time.time() * 1000), 0)


def parse_section(section, form):
    """The answers of a whole-section form post, parsed: ([(question, stored value)], {code: AnswerError})."""
    not_applicable = set(form.getlist("na"))
    parsed, errors = [], {}
    for question in section.questions:
        if question.code in form or question.code in not_applicable:
            try:
                parsed.append((question, parse_answer(question, form.get(question.code), question.code in not_applicable)))
            except AnswerError as error:
                errors[question.code] = error
    return parsed, errors


def save_section(assessment, section, parsed, notes, photos):
    """Save a whole section at once: parsed answers (from parse_section), its notes unless None, and
    processed photos [(question code, Photo)], in one commit."""
    for question, stored in parsed:
        save_answer(assessment, question, stored)
    if notes is not None:
        save_note(assessment, section.code, notes.strip()[:NOTE_LIMIT])
    for code, photo in photos:
        store_photo(assessment, code, photo)
    db.session.commit()


def store_photo(assessment, question_code, photo, photo_id=None):
    """Keep a processed photo: its row, and its JPEG and thumbnail in the database (app.storage), all in the
    session, so one commit (the caller's) keeps all three or none."""
    row = Photo(id=photo_id or uuid.uuid4(), assessment_id=assessment.id, question_code=question_code,
                width=photo.width, height=photo.height, size=len(photo.jpeg))
    keep(row.id, photo.jpeg, make_thumbnail(photo.jpeg).jpeg)
    db.session.add(row)
    assessment.updated_at = utcnow()
    return row


def result_of(assessment, values=None):
    """The scoring Result of the assessment's current answers (`values`, if already read)."""
    values = assessment.values() if values is None else values
    return score(assessment.instrument, values, assessment.instrument_version.number)


def stored_result(result):
    """The columns that keep a submitted Result: total, level, and per section {score, completeness}."""
    return {"score": result.total, "level": result.level, "result": {
        "sections": {s.code: {"score": s.score, "completeness": s.completeness} for s in result.sections},
        "uncapped_level": result.uncapped_level, "gates": list(result.gates)}}


def transition(assessment, action, user, version, comment=None, question_comments=None):
    """Move the assessment by `action` (see workflow.py), if nobody changed it since `version`.

    Raises NotAllowed, CommentNeeded, Incomplete (a submit with answers missing) or Conflict; on
    success the new state, its stored result (on submit) and the history step are committed together.
    """
    move = move_for(action, assessment.status, user.role, assessment.facilitator_id == user.id)
    comment = (comment or "").strip() or None
    if move.needs_comment and not comment:
        raise CommentNeeded
    now, was = utcnow(), (assessment.status, assessment.status_at)
    values = {"status": move.target, "status_at": now, "version": Assessment.version + 1, "updated_at": now}
    if move.target == SUBMITTED:
        result = result_of(assessment)
        if not result.complete:
            raise Incomplete(result)
        values.update(submitted_at=now, **stored_result(result))
    changed = db.session.execute(update(Assessment).where(
        Assessment.id == assessment.id, Assessment.version == version, Assessment.status == move.source
    ).values(**values)).rowcount
    if changed != 1:
        db.session.rollback()
        raise Conflict
    if APPROVED in (move.source, move.target):  # which assessment counts for the cooperative may change
        tallies.follow(assessment, was, (move.target, now))
    record(assessment, user.id, action, at=now, source=move.source, target=move.target, comment=comment,
           question_comments={k: v for k, v in (question_comments or {}).items() if v.strip()} or None)
    db.session.commit()
