"""The Bimtek session form."""
from flask_babel import lazy_gettext as _l
from wtforms import DateField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from app.forms import AtLeastOne, BaseForm, Checkboxes, choices, strip, strip_or_none


class SessionForm(BaseForm):
    title = StringField(_l("Judul"), filters=[strip], validators=[Length(min=3, max=200)])
    held_on = DateField(_l("Tanggal"), validators=[DataRequired()])
    ends_on = DateField(_l("Hari terakhir (sesi beberapa hari)"), validators=[Optional()])
    venue = StringField(_l("Tempat"), filters=[strip_or_none], validators=[Optional(), Length(max=200)])
    districts = Checkboxes(_l("Kecamatan peserta"), validators=[AtLeastOne(_l("Pilih paling sedikit satu kecamatan."))])
    notes = TextAreaField(_l("Catatan"), filters=[strip_or_none], validators=[Optional(), Length(max=5000)])

    def __init__(self, districts, **kwargs):
        super().__init__(**kwargs)
        self.districts.choices = choices((d.code, d.name) for d in districts)

    def validate_ends_on(self, field):
        if self.held_on.data and field.data and not 0 <= (field.data - self.held_on.data).days < MAX_DAYS:
            raise ValidationError(_l("Hari terakhir harus sama dengan atau sesudah tanggal mulai, paling lama "
                                     "%(days)s hari.", days=MAX_DAYS))


MAX_DAYS = 14  # a session's days, first to last
