"""Forms to create and edit users; the same rules serve the admin page and the CLI."""
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from wtforms import BooleanField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, Length, Optional, Regexp, ValidationError

from app.auth.models import ROLES, User
from app.extensions import db
from app.forms import AtLeastOne, BaseForm, Checkboxes, choices, lower_strip, strip
from app.roles import ADMIN


class UserForm(BaseForm):
    """Edit a user: name, role, the kecamatan covered, and optionally a new password."""
    name = StringField(_l("Nama lengkap"), filters=[strip],
                       validators=[DataRequired(), Length(max=120)])
    role = SelectField(_l("Peran"), choices=choices(ROLES.items()))
    districts = Checkboxes(_l("Kecamatan yang dicakup"), choices=[])
    password = PasswordField(_l("Kata sandi baru"), validators=[
        Optional(), Length(min=8, max=200)], render_kw={"autocomplete": "new-password"})
    active = BooleanField(_l("Aktif"), default=True)

    def validate_districts(self, field):
        if self.role.data != ADMIN:  # an admin covers the whole regency
            AtLeastOne(_l("Pilih paling sedikit satu kecamatan."))(self, field)


class NewUserForm(UserForm):
    """Create a user: also a unique username and a required password."""
    username = StringField(_l("Nama pengguna"), filters=[lower_strip], validators=[
        DataRequired(),
        Regexp(r"^[a-z0-9._-]{3,64}$",
               message=_l("3-64 karakter: huruf kecil, angka, titik, garis bawah atau tanda hubung.")),
    ], render_kw={"autocapitalize": "none"})
    password = PasswordField(_l("Kata sandi"), validators=[
        DataRequired(), Length(min=8, max=200)], render_kw={"autocomplete": "new-password"})

    def validate_username(self, field):
        if db.session.scalar(select(User.id).where(User.username == field.data)) is not None:
            raise ValidationError(_l("Nama pengguna sudah dipakai."))
