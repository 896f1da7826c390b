"""The autosave: one answer stored as the facilitator gives it, the phone's hot path, read without the ORM.

The section page posts each answer as it changes (POST /assessments/<id>/answers/<code>), so this is the
request a phone sends most. It reads the draft's row with a statement built once per kind of area, and
only the answers its section reads (`Instrument.read_by`), so its cost does not grow with the form. It
writes with the upsert every answer save uses (`service.store_answer`), and commits before it builds its
reply, so SQLite's write lock is held for the writes alone. Its reply works out only that section's progress
and the questions the answer showed or hid. Pages, sync, notes and photos read the `Assessment` through the ORM.
"""
from functools import cached_property
from typing import NamedTuple

from flask import abort
from flask_babel import gettext as _
from sqlalchemy import bindparam, select

from app.assessments.context import Sheet, check_own_draft, client_stamp
from app.assessments.forms import answer_message
from app.assessments.models import Answer, Answered, Assessment
from app.assessments.service import parse_answer, server_stamp, store_answer
from app.errors import render_error
from app.extensions import db
from app.instruments.definition import AnswerError, Question, Section
from app.instruments.models import InstrumentVersion, instrument_of
from app.instruments.scoring import visible_questions


class Saved(NamedTuple):
    """What the reply to an autosave shows: the "saved" block of assessments/section.html."""
    question: Question
    error: str | None  # why the answer was refused (a 422), or None
    applied: bool = False  # False: a newer change stands, and the reply shows it
    sheet: Sheet | None = None
    section: Section | None = None
    toggled: tuple[Question, ...] = ()  # the section's questions that the answer showed or hid


def autosave(scope, assessment_id, code, form, fragment):
    """Store the answer to question `code` in `form` on the user's own draft, if in `scope`; what to reply.
    404 for an assessment out of the area or an unknown question, and check_own_draft's refusals. The reply
    shows the `fragment`'s section alone, or else the whole page's every section."""
    draft = draft_or_404(scope, assessment_id)
    check_own_draft(draft)
    question = draft.instrument.question(code)
    if question is None:
        abort(render_error(404, _("Pertanyaan %(code)s tidak ada di instrumen penilaian ini.", code=code)))
    try:
        stored = parse_answer(question, form.get(code), code in form.getlist("na"))
    except AnswerError as error:
        return Saved(question, answer_message(error))
    section = draft.instrument.section_of(code)
    draft.load(draft.instrument.read_by(section.code))  # all that the reply reads
    visible_before = visible_questions(draft.instrument, draft.values())
    stamp = client_stamp(form) or server_stamp()
    applied = store_answer(draft, code, draft.answer(code), stored, stamp)
    if applied:
        draft.answered(code, stored, stamp)
    applied = applied or draft.stored(code) == stored  # a replay of what stands is no refusal
    db.session.commit()  # before the reply is built, so the database is locked for the writes alone
    sheet = Sheet(draft if fragment else draft.assessment)  # a whole page shows every section
    toggled = tuple(q for q in section.questions if (q.code in sheet.visible) != (q.code in visible_before))
    return Saved(question, None, applied, sheet, section, toggled)


class StoredAnswer(NamedTuple):
    """An answer as a Draft reads it: a row, not an ORM object."""
    question_code: str
    value: str | None
    not_applicable: bool
    client_ts: int
    client_seq: int

    @property
    def stamp(self):
        return (self.client_ts, self.client_seq)


class Draft(Answered):
    """A draft as its autosave reads it: the row that draft_or_404 selects, and the answers given to `load`.
    What else a reply may show (a returned draft's review, a question's photos) comes from the whole
    Assessment, loaded when first asked."""

    def __init__(self, row, instrument):
        self.id, self.facilitator_id, self.status, self.submitted_at = (
            row.id, row.facilitator_id, row.status, row.submitted_at)
        self.instrument = instrument
        self.answers = []

    def load(self, codes):
        """Read the stored answers to the questions `codes`, and only those."""
        self.answers = [StoredAnswer(*row) for row in db.session.connection().execute(
            ANSWERS, {"assessment_id": self.id, "codes": codes})]

    def answered(self, code, stored, stamp):
        """Take an answer that store_answer stored, so the reply shows it."""
        self.answers = [*(a for a in self.answers if a.question_code != code), StoredAnswer(code, *stored, *stamp)]

    @cached_property
    def assessment(self):
        return db.session.get(Assessment, self.id)

    @property
    def review(self):
        return self.assessment.review

    def photos_of(self, question_code):
        return self.assessment.photos_of(question_code)


ANSWERS = (select(*(Answer.__table__.c[name] for name in StoredAnswer._fields))
           .where(Answer.assessment_id == bindparam("assessment_id"),
                  Answer.question_code.in_(bindparam("codes", expanding=True))))


def draft_or_404(scope, assessment_id):
    """The assessment as a Draft, if it is in `scope`'s area (Scope.assessment_to_change); 404 otherwise."""
    statement = scope.assessment_to_change("draft", lambda: select(
        Assessment.id, Assessment.facilitator_id, Assessment.status, Assessment.submitted_at,
        InstrumentVersion.id.label("version_id"), InstrumentVersion.fingerprint))
    row = db.session.connection().execute(statement, {"assessment_id": assessment_id, **scope.params}).first()
    if row is None:
        abort(404)
    return Draft(row, instrument_of(db.session, row.version_id, row.fingerprint))
