"""A follow-up action: what a cooperative will do after a Bimtek, who does it, by when, and how it went."""
import uuid
from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import DateTime, ForeignKey, String, Text, Uuid, select
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.bimtek.models import BimtekSession
from app.clock import utcnow
from app.cooperatives.models import Cooperative, Officer
from app.extensions import db

OPEN, DONE, PARTLY, NOT_DONE = "open", "done", "partly", "not_done"
STATUSES = (OPEN, DONE, PARTLY, NOT_DONE)
STATUS_LABELS = {OPEN: _l("Belum diperiksa"), DONE: _l("Selesai"), PARTLY: _l("Sebagian"),
                 NOT_DONE: _l("Tidak dilaksanakan")}


class FollowupAction(db.Model):
    __tablename__ = "followup_action"

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("bimtek_session.id", ondelete="CASCADE"), index=True)
    cooperative_id: Mapped[int] = mapped_column(ForeignKey("cooperative.id", ondelete="CASCADE"), index=True)
    section_code: Mapped[str] = mapped_column(String(20))
    question_code: Mapped[str | None] = mapped_column(String(40))  # the unmet question it answers, if one
    text: Mapped[str] = mapped_column(Text)
    officer_id: Mapped[int | None] = mapped_column(ForeignKey("officer.id", ondelete="SET NULL"))  # the owner
    due_on: Mapped[date]
    status: Mapped[str] = mapped_column(String(12), default=OPEN)  # one of STATUSES
    note: Mapped[str | None] = mapped_column(Text)
    photo_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)  # its bytes: app.storage PhotoBytes
    checked_on: Mapped[date | None]  # the visit at which its status was set
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)
    updated_by: Mapped[int | None] = mapped_column(ForeignKey("app_user.id", ondelete="SET NULL"))

    session: Mapped[BimtekSession] = relationship()
    cooperative: Mapped[Cooperative] = relationship()
    owner: Mapped[Officer | None] = relationship()

    @staticmethod
    def of(session_id, cooperative_id):
        """A select of one cooperative's actions after one session, by section then as added."""
        return (select(FollowupAction).where(FollowupAction.session_id == session_id,
                                             FollowupAction.cooperative_id == cooperative_id)
                .order_by(FollowupAction.section_code, FollowupAction.id))
