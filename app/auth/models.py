"""Users, their role, and the area each covers."""
from flask_babel import lazy_gettext as _l
from flask_login import UserMixin
from sqlalchemy import Column, ForeignKey, String, Table
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from app.extensions import db
from app.regions.models import District, Regency

ADMIN, SUPERVISOR, FACILITATOR = "admin", "supervisor", "facilitator"
ROLES = {
    ADMIN: _l("Admin Dinas"),
    SUPERVISOR: _l("Supervisor"),
    FACILITATOR: _l("Pendamping"),
}

user_district = Table(
    "user_district", db.metadata,
    Column("user_id", ForeignKey("app_user.id", ondelete="CASCADE"), primary_key=True),
    Column("district_code", ForeignKey("district.code"), primary_key=True, index=True),
)


class User(UserMixin, db.Model):
    __tablename__ = "app_user"  # "user" is reserved in PostgreSQL

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    password_hash: Mapped[str] = mapped_column(String(256))
    role: Mapped[str] = mapped_column(String(20))
    # An admin (the Dinas) covers one regency; an admin without one covers the whole country.
    regency_code: Mapped[str | None] = mapped_column(ForeignKey("regency.code"), index=True)
    active: Mapped[bool] = mapped_column(default=True)

    regency: Mapped[Regency | None] = relationship()
    districts: Mapped[list[District]] = relationship(secondary=user_district, order_by=District.name)

    @property
    def is_active(self):
        return self.active

    @property
    def is_admin(self):
        return self.role == ADMIN

    @property
    def role_label(self):
        return ROLES[self.role]

    def set_password(self, password):
        self.password_hash = generate_password_hash(password)

    def check_password(self, password):
        return check_password_hash(self.password_hash, password)
