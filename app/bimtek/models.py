"""A Bimtek session: when, where, which kecamatan's cooperatives take part, who came, who attended
which day, and how they did in the pre-test and post-test."""
import re
from datetime import date, datetime, timedelta

from sqlalchemy import (JSON, Boolean, CheckConstraint, Column, DateTime, Float, ForeignKey, Integer, String, Table,
                        Text, UniqueConstraint, select)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.clock import utcnow
from app.cooperatives.models import Cooperative, Officer
from app.extensions import db
from app.regions.models import District
from app.i18n import today

PHASES = ("pre", "post")  # the pre-test before the session, the post-test after it

bimtek_district = Table(
    "bimtek_district", db.metadata,
    Column("session_id", ForeignKey("bimtek_session.id"), primary_key=True),
    Column("district_code", ForeignKey("district.code"), primary_key=True),
)


class BimtekSession(db.Model):
    __tablename__ = "bimtek_session"

    id: Mapped[int] = mapped_column(primary_key=True)
    regency_code: Mapped[str] = mapped_column(ForeignKey("regency.code"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    held_on: Mapped[date]
    ends_on: Mapped[date | None]  # the last day of a multi-day session; None for one day
    test_max: Mapped[int] = mapped_column(Integer, default=100, server_default="100")  # a test's full score
    venue: Mapped[str | None] = mapped_column(String(200))
    notes: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    districts: Mapped[list[District]] = relationship(secondary=bimtek_district, order_by=District.name)
    participants: Mapped[list["Participant"]] = relationship(
        back_populates="session", cascade="all, delete-orphan", order_by="Participant.id")
    questions: Mapped[list["TestQuestion"]] = relationship(
        back_populates="session", cascade="all, delete-orphan", order_by="TestQuestion.number")

    @staticmethod
    def covering(district_clause):
        """Sessions covering at least one kecamatan that `district_clause` selects, newest first."""
        covered = select(bimtek_district.c.session_id).join(District).where(district_clause)
        return select(BimtekSession).where(BimtekSession.id.in_(covered)).order_by(BimtekSession.held_on.desc())

    @property
    def readiness_date(self):
        """The state before the session: the day before it, or today for a session still to come."""
        return min(self.held_on - timedelta(days=1), today())

    @property
    def district_codes(self):
        return [d.code for d in self.districts]

    def filename(self, kind, extension):
        """A file of this session, named by what it holds, the first day and the title:
        siapkop-peserta-2025-10-14-bimtek-tata-kelola.xlsx."""
        slug = re.sub(r"[^a-z0-9]+", "-", self.title.lower()).strip("-")
        return f"siapkop-{kind}-{self.held_on.isoformat()}-{slug}.{extension}"

    @property
    def days(self):
        """The session's days, first to last."""
        last = max(self.ends_on or self.held_on, self.held_on)
        return [self.held_on + timedelta(days=n) for n in range((last - self.held_on).days + 1)]


class Person(db.Model):
    """Someone trained: one row across sessions, found again by their officer record or their NIK."""
    id: Mapped[int] = mapped_column(primary_key=True)
    cooperative_id: Mapped[int] = mapped_column(ForeignKey("cooperative.id", ondelete="CASCADE"), index=True)
    officer_id: Mapped[int | None] = mapped_column(ForeignKey("officer.id", ondelete="SET NULL"), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    position: Mapped[str] = mapped_column(String(80))  # an OFFICER_ROLES key, or the position in words
    phone: Mapped[str | None] = mapped_column(String(20))
    nik: Mapped[str | None] = mapped_column(String(16), unique=True)  # Nomor Induk Kependudukan, 16 digits
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    cooperative: Mapped[Cooperative] = relationship()
    officer: Mapped[Officer | None] = relationship()


class Participant(db.Model):
    """A person registered for a session, for their cooperative, with their test scores."""
    __tablename__ = "bimtek_participant"
    __table_args__ = (UniqueConstraint("session_id", "person_id"),
                      CheckConstraint("pre_score >= 0", name="pre_score_not_negative"),
                      CheckConstraint("post_score >= 0", name="post_score_not_negative"))

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("bimtek_session.id", ondelete="CASCADE"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    cooperative_id: Mapped[int] = mapped_column(ForeignKey("cooperative.id", ondelete="CASCADE"), index=True)
    position: Mapped[str] = mapped_column(String(80))  # as at the session
    pre_score: Mapped[float | None] = mapped_column(Float)  # 0 to the session's test_max
    post_score: Mapped[float | None] = mapped_column(Float)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    session: Mapped[BimtekSession] = relationship(back_populates="participants")
    person: Mapped[Person] = relationship()
    cooperative: Mapped[Cooperative] = relationship()
    attendance: Mapped[list["Attendance"]] = relationship(
        back_populates="participant", cascade="all, delete-orphan", order_by="Attendance.day")


class Attendance(db.Model):
    """Whether a participant was there on one day of the session; the later change stands."""
    __tablename__ = "bimtek_attendance"

    participant_id: Mapped[int] = mapped_column(ForeignKey("bimtek_participant.id", ondelete="CASCADE"),
                                                primary_key=True)
    day: Mapped[date] = mapped_column(primary_key=True)
    present: Mapped[bool] = mapped_column(Boolean)
    changed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)  # server's clock
    changed_by: Mapped[int | None] = mapped_column(ForeignKey("app_user.id", ondelete="SET NULL"))

    participant: Mapped[Participant] = relationship(back_populates="attendance")


class TestQuestion(db.Model):
    """A question of a session's test, with one right option, on one training topic."""
    __tablename__ = "bimtek_question"
    __test__ = False  # not a pytest class
    __table_args__ = (UniqueConstraint("session_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("bimtek_session.id", ondelete="CASCADE"), index=True)
    number: Mapped[int]
    topic_code: Mapped[str] = mapped_column(String(40))  # a topic of the instrument
    text: Mapped[str] = mapped_column(Text)
    options: Mapped[list] = mapped_column(JSON)  # the options' texts, in order
    answer: Mapped[int]  # the index of the right option

    session: Mapped[BimtekSession] = relationship(back_populates="questions")


class TestAnswer(db.Model):
    """The option a participant chose for a question, in the pre-test or the post-test."""
    __tablename__ = "bimtek_test_answer"
    __test__ = False

    participant_id: Mapped[int] = mapped_column(ForeignKey("bimtek_participant.id", ondelete="CASCADE"),
                                                primary_key=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("bimtek_question.id", ondelete="CASCADE"),
                                             primary_key=True)
    phase: Mapped[str] = mapped_column(String(4), primary_key=True)  # one of PHASES
    choice: Mapped[int]
