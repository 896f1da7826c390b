"""Users, their role, and the area each covers."""
import secrets
from functools import cache

from flask_babel import lazy_gettext as _l
from flask_login import UserMixin
from sqlalchemy import Column, ForeignKey, String, Table
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from app.extensions import db
from app.regions.models import District, Regency
from app.roles import ADMIN, FACILITATOR, SUPERVISOR

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


def new_session_token():
    return secrets.token_urlsafe(32)


@cache
def dummy_hash():
    """A hash of the current algorithm and cost that no password matches, checked for unknown usernames."""
    return generate_password_hash(secrets.token_urlsafe(32))


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
    # What the session and remember cookies carry instead of the id: a new one ends every session.
    session_token: Mapped[str] = mapped_column(String(64), unique=True, index=True, default=new_session_token)

    regency: Mapped[Regency | None] = relationship()
    districts: Mapped[list[District]] = relationship(secondary=user_district, order_by=District.name)

    @property
    def is_active(self):
        return self.active

    def get_id(self):
        """Flask-Login's id in the cookies: the session token, so a new token ends every session."""
        return self.session_token

    def end_sessions(self):
        """Log this user out everywhere: every session and remember cookie they hold stops working."""
        self.session_token = new_session_token()

    @property
    def is_admin(self):
        return self.role == ADMIN

    @property
    def role_label(self):
        return ROLES[self.role]

    def set_password(self, password):
        """Store a new password; whoever used the old one is logged out."""
        self.password_hash = generate_password_hash(password)
        self.end_sessions()

    def check_password(self, password):
        return check_password_hash(self.password_hash, password)


def password_matches(user, password):
    """Whether `user` (None when the username is unknown) is active and `password` is theirs.
    One hash is checked whatever the case, so the time taken does not tell which usernames exist."""
    matches = check_password_hash(user.password_hash if user is not None else dummy_hash(), password)
    return matches and user is not None and user.active
