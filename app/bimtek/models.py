"""A Bimtek session: when, where, and which kecamatan's cooperatives take part."""
from datetime import date, datetime, timedelta

from sqlalchemy import Column, DateTime, ForeignKey, String, Table, Text, select
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.clock import utcnow
from app.extensions import db
from app.regions.models import District
from app.i18n import today

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
    venue: Mapped[str | None] = mapped_column(String(200))
    notes: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    districts: Mapped[list[District]] = relationship(secondary=bimtek_district, order_by=District.name)

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
