"""The form registering a cooperative's participants at a session: its officers ticked, or a new person."""
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from wtforms import HiddenField, SelectField, SelectMultipleField, StringField
from wtforms.validators import Length, Optional, ValidationError

from app.bimtek.nik import nik_problem, normalized
from app.bimtek.people import NewPerson
from app.cooperatives.models import OFFICER_ROLES
from app.forms import BaseForm, choices, strip_or_none

OTHER = "lainnya"  # a position typed in words


class RegisterForm(BaseForm):
    cooperative = HiddenField()
    officers = SelectMultipleField(coerce=int, validate_choice=False)
    name = StringField(_l("Nama"), filters=[strip_or_none], validators=[Optional(), Length(max=120)])
    position = SelectField(_l("Jabatan"), choices=choices([("", _l("Pilih jabatan")), *OFFICER_ROLES.items(),
                                                           (OTHER, _l("Lainnya (tulis di bawah)"))]),
                           validate_choice=False)  # checked below, only for a new person
    position_other = StringField(_l("Jabatan lain (jika memilih Lainnya)"), filters=[strip_or_none],
                                 validators=[Optional(), Length(max=80)])
    phone = StringField(_l("Telepon"), filters=[strip_or_none], validators=[Optional(), Length(max=20)])
    nik = StringField(_l("NIK (tidak wajib)"), filters=[lambda v: normalized(v) or None],
                      render_kw={"inputmode": "numeric", "autocomplete": "off"})

    def validate(self, extra_validators=None):
        """The fields, then what they ask together: someone chosen; a new person's position."""
        valid = super().validate(extra_validators)
        if not self.name.data and not self.officers.data and not self.officers.errors:
            self.name.errors.append(_l("Centang pengurus/pengawas atau isi nama orang baru."))
        elif self.name.data and self.position.data not in (*OFFICER_ROLES, OTHER):
            self.position.errors.append(_l("Pilih jabatan orang baru."))
        elif self.name.data and self.position.data == OTHER and not self.position_other.data:
            self.position_other.errors.append(_l("Tulis jabatannya."))
        else:
            return valid
        return False

    def validate_nik(self, field):
        problem = nik_problem(field.data) if field.data else None
        if problem:
            raise ValidationError(gettext(problem))

    def new_person(self):
        """The new person asked for, or None."""
        if not self.name.data:
            return None
        position = self.position_other.data if self.position.data == OTHER else self.position.data
        return NewPerson(self.name.data, position, self.phone.data, self.nik.data)
