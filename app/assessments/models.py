"""An assessment: one facilitator's visit to one cooperative, answered with one instrument version."""
import uuid
from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, BigInteger, DateTime, Float, ForeignKey, Index, String, Text, Uuid, func, select
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.assessments.photos import thumb_size
from app.assessments.workflow import APPROVED, DRAFT, RETURNED, SUBMITTED  # noqa: F401 (re-exported)
from app.auth.models import User
from app.clock import utcnow
from app.cooperatives.models import Cooperative
from app.extensions import db
from app.instruments.definition import NA
from app.instruments.models import InstrumentVersion

STATUSES = {
    DRAFT: _l("Draf"),
    SUBMITTED: _l("Dikirim"),
    RETURNED: _l("Dikembalikan"),
    APPROVED: _l("Disetujui"),
}
ACTION_LABELS = {
    "start": _l("Memulai penilaian"),
    "submit": _l("Mengirim"),
    "approve": _l("Menyetujui"),
    "return": _l("Mengembalikan"),
    "reopen": _l("Membuka kembali"),
}
EDITABLE = (DRAFT, RETURNED)
# The id of the blank assessment whose pages app.js copies for a visit started without signal.
TEMPLATE_ID = uuid.UUID(int=0)


class Answered:
    """What pages and autosaves read of an assessment's answers. The class has `id`, `status`, `instrument`
    and `answers`, each answer with question_code, value and not_applicable."""

    @property
    def editable(self):
        return self.status in EDITABLE

    @property
    def is_template(self):
        return self.id == TEMPLATE_ID

    def values(self):
        """Typed answers by question code, NA for "Tidak berlaku": what scoring reads."""
        question = self.instrument.question
        return {code: NA if not_applicable else question(code).parse(value)
                for code, value, not_applicable in self._stored() if value is not None or not_applicable}

    def form_values(self):
        """({code: stored text}, {codes answered "Tidak berlaku"}): what the form controls show."""
        stored = self._stored()
        return ({code: value for code, value, _ in stored if value is not None},
                {code for code, _, not_applicable in stored if not_applicable})

    def answer(self, code):
        """The answer to question `code`, or None."""
        return next((a for a in self.answers if a.question_code == code), None)

    def stored(self, code):
        """(value, not applicable) as stored for question `code`; (None, False) when unanswered."""
        answer = self.answer(code)
        return (None, False) if answer is None else (answer.value, answer.not_applicable)

    def _stored(self):
        """(question code, stored value, not applicable) of each answer, each attribute read once."""
        return [(a.question_code, a.value, a.not_applicable) for a in self.answers]


class Assessment(Answered, db.Model):
    # What rollups read "as of today" without the history: status, cooperative, when, visit (newest wins).
    __table_args__ = (Index("ix_assessment_counted", "status", "cooperative_id", "status_at", "visit_date", "id"),)

    # The browser makes the id, so a retried or offline start names the same assessment.
    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    cooperative_id: Mapped[int] = mapped_column(ForeignKey("cooperative.id"), index=True)
    instrument_version_id: Mapped[int] = mapped_column(ForeignKey("instrument_version.id"))
    facilitator_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"), index=True)
    status: Mapped[str] = mapped_column(String(20), default=DRAFT)
    # When it reached its status: the time of its last transition in the history (Event.at).
    status_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    version: Mapped[int] = mapped_column(default=1)  # +1 on every change: a stale action is refused
    visit_date: Mapped[date]
    attendees: Mapped[list] = mapped_column(JSON, default=list)  # pengurus/pengawas present, as "Name (position)"
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)
    accuracy_m: Mapped[float | None] = mapped_column(Float)
    # The result as submitted: total, level, and per section {score, completeness}; gates applied.
    score: Mapped[float | None] = mapped_column(Float)
    level: Mapped[str | None] = mapped_column(String(40))
    # JSONB on PostgreSQL: a rollup reads each section's score from it, and `json` text is parsed again
    # for every one of them.
    result: Mapped[dict | None] = mapped_column(JSON().with_variant(JSONB(), "postgresql"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    submitted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    cooperative: Mapped[Cooperative] = relationship()
    instrument_version: Mapped[InstrumentVersion] = relationship()
    facilitator: Mapped[User] = relationship()
    answers: Mapped[list["Answer"]] = relationship(back_populates="assessment", cascade="all, delete-orphan")
    notes: Mapped[list["SectionNote"]] = relationship(cascade="all, delete-orphan")
    photos: Mapped[list["Photo"]] = relationship(cascade="all, delete-orphan", order_by="Photo.created_at")
    events: Mapped[list["Event"]] = relationship(cascade="all, delete-orphan", order_by="Event.id")

    @property
    def instrument(self):
        return self.instrument_version.instrument

    @property
    def status_label(self):
        return STATUSES[self.status]

    def note(self, section_code):
        return next((n.text for n in self.notes if n.section_code == section_code), "")

    def photos_of(self, question_code):
        return [p for p in self.photos if p.question_code == question_code]

    @property
    def status_event(self):
        """The step of the history that gave the assessment its status (its last submission, approval, return
        or reopening); None for a draft, or for an assessment whose history does not say."""
        if self.status == DRAFT:
            return None
        return next((e for e in reversed(self.events) if e.target == self.status), None)

    @property
    def review(self):
        """The return (or reopening) that sent this assessment back, while it is back with the facilitator."""
        if self.status != RETURNED:
            return None
        return next((e for e in reversed(self.events) if e.action in ("return", "reopen")), None)


class Stamped:
    """The client's clock and outbox sequence of the last change, so a late or replayed one loses."""
    client_ts: Mapped[int] = mapped_column(BigInteger, default=0)  # ms since 1970
    client_seq: Mapped[int] = mapped_column(default=0)

    @property
    def stamp(self):
        return (self.client_ts, self.client_seq)


class Answer(Stamped, db.Model):
    """One question's answer. A cleared answer stays as a row without value, keeping its stamp."""
    assessment_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("assessment.id"), primary_key=True)
    question_code: Mapped[str] = mapped_column(String(40), primary_key=True)
    value: Mapped[str | None] = mapped_column(Text)  # the question's encode(); None when N/A or cleared
    not_applicable: Mapped[bool] = mapped_column(default=False)
    # Kept for audits and read by no page: not loaded with the answers, which every page and autosave reads.
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, deferred=True)

    assessment: Mapped[Assessment] = relationship(back_populates="answers")

    @property
    def cleared(self):
        return self.value is None and not self.not_applicable


class SectionNote(Stamped, db.Model):
    """The facilitator's notes on one section of one assessment."""
    assessment_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("assessment.id"), primary_key=True)
    section_code: Mapped[str] = mapped_column(String(40), primary_key=True)
    text: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Photo(db.Model):
    """An evidence photo: a resized JPEG, its bytes and thumbnail kept in the database (app.storage)."""
    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    assessment_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("assessment.id"), index=True)
    question_code: Mapped[str] = mapped_column(String(40))
    width: Mapped[int]
    height: Mapped[int]
    size: Mapped[int]  # bytes of the stored JPEG
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    @property
    def filename(self):
        """Where it was kept under PHOTO_FOLDER before photos moved into the database (flask photos migrate)."""
        return f"{self.assessment_id}/{self.id}.jpg"

    @property
    def thumb_filename(self):
        """Where its thumbnail was kept under PHOTO_FOLDER, if it was made (flask photos migrate)."""
        return f"{self.assessment_id}/{self.id}.thumb.jpg"

    @property
    def thumb_size(self):
        return thumb_size(self.width, self.height)

    @staticmethod
    def counted(assessment_id):
        """(question code, photos kept) for each question of the assessment that has any."""
        return (select(Photo.question_code, func.count()).where(Photo.assessment_id == assessment_id)
                .group_by(Photo.question_code))


class Event(db.Model):
    """One step in an assessment's history: a change of state, or an answer changed after submission."""
    __tablename__ = "assessment_event"
    # Covers "each assessment's last transition before a date" (app/rollups/queries.py) without the table.
    __table_args__ = (Index("ix_assessment_event_state", "assessment_id", "target", "at", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    assessment_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("assessment.id"))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    action: Mapped[str] = mapped_column(String(20))  # start, submit, approve, return, reopen, answer
    source: Mapped[str | None] = mapped_column(String(20))  # status before
    target: Mapped[str | None] = mapped_column(String(20))  # status after
    comment: Mapped[str | None] = mapped_column(Text)
    question_comments: Mapped[dict | None] = mapped_column(JSON)  # {question code: comment}
    question_code: Mapped[str | None] = mapped_column(String(40))  # for "answer"
    old_value: Mapped[str | None] = mapped_column(Text)
    new_value: Mapped[str | None] = mapped_column(Text)

    user: Mapped[User] = relationship()
