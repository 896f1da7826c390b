"""Koperasi Desa/Kelurahan Merah Putih: one per village, with its pengurus and pengawas."""
from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import CheckConstraint, DateTime, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.clock import utcnow
from app.extensions import db
from app.regions.models import Village

# Positions under SE/Juklak Menkop 1/2025; the first word says whether the holder is pengurus or pengawas.
OFFICER_ROLES = {
    "pengurus:ketua": _l("Ketua"),
    "pengurus:wakil_ketua_usaha": _l("Wakil Ketua Bidang Usaha"),
    "pengurus:wakil_ketua_anggota": _l("Wakil Ketua Bidang Keanggotaan"),
    "pengurus:sekretaris": _l("Sekretaris"),
    "pengurus:bendahara": _l("Bendahara"),
    "pengawas:ketua": _l("Ketua Pengawas"),
    "pengawas:anggota": _l("Anggota Pengawas"),
}


def position_label(position):
    """A position in words: an officer's role by its label, any other (typed for a new person) as it is."""
    return str(OFFICER_ROLES.get(position, position))


def default_name(village):
    """The programme's naming: Koperasi Desa Merah Putih X, or Koperasi Kelurahan Merah Putih X."""
    kind = "Kelurahan" if village.type == "kelurahan" else "Desa"
    return f"Koperasi {kind} Merah Putih {village.name}"


class Cooperative(db.Model):
    __table_args__ = (CheckConstraint("member_count >= 0", name="member_count_not_negative"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    village_code: Mapped[str] = mapped_column(ForeignKey("village.code"), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    sk_ahu: Mapped[str | None] = mapped_column(String(100))
    nib: Mapped[str | None] = mapped_column(String(13))
    nik: Mapped[str | None] = mapped_column(String(20))  # Nomor Induk Koperasi
    founded_on: Mapped[date | None]
    address: Mapped[str | None] = mapped_column(String(300))
    phone: Mapped[str | None] = mapped_column(String(20))
    member_count: Mapped[int | None]
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)

    village: Mapped[Village] = relationship()
    officers: Mapped[list["Officer"]] = relationship(
        back_populates="cooperative", cascade="all, delete-orphan", order_by="Officer.id")


class Officer(db.Model):
    """A member of the pengurus (board) or pengawas (supervisory body)."""
    id: Mapped[int] = mapped_column(primary_key=True)
    cooperative_id: Mapped[int] = mapped_column(ForeignKey("cooperative.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(120))
    phone: Mapped[str | None] = mapped_column(String(20))

    cooperative: Mapped[Cooperative] = relationship(back_populates="officers")

    @property
    def body(self):
        """'pengurus' or 'pengawas'."""
        return self.role.split(":", 1)[0]

    @property
    def role_label(self):
        return position_label(self.role)
