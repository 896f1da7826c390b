"""Indonesia's administrative areas, keyed by Kemendagri code (never BPS codes)."""
from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db

VILLAGE_TYPES = ("desa", "kelurahan", "desa adat")


class Province(db.Model):
    code: Mapped[str] = mapped_column(String(2), primary_key=True)
    name: Mapped[str] = mapped_column(String(100))


class Regency(db.Model):
    """A kabupaten or kota."""
    code: Mapped[str] = mapped_column(String(5), primary_key=True)
    province_code: Mapped[str] = mapped_column(ForeignKey("province.code"), index=True)
    name: Mapped[str] = mapped_column(String(100))

    province: Mapped[Province] = relationship()


class District(db.Model):
    """A kecamatan."""
    code: Mapped[str] = mapped_column(String(8), primary_key=True)
    regency_code: Mapped[str] = mapped_column(ForeignKey("regency.code"), index=True)
    name: Mapped[str] = mapped_column(String(100))

    regency: Mapped[Regency] = relationship()


class Village(db.Model):
    """A desa, kelurahan or desa adat."""
    code: Mapped[str] = mapped_column(String(13), primary_key=True)
    district_code: Mapped[str] = mapped_column(ForeignKey("district.code"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    type: Mapped[str] = mapped_column(String(10))

    district: Mapped[District] = relationship()
