"""The Bimtek session form."""
from flask_babel import lazy_gettext as _l
from wtforms import DateField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from app.forms import AtLeastOne, BaseForm, Checkboxes, choices, strip, strip_or_none


class SessionForm(BaseForm):
    title = StringField(_l("Judul"), filters=[strip], validators=[Length(min=3, max=200)])
    held_on = DateField(_l("Tanggal"), validators=[DataRequired()])
    venue = StringField(_l("Tempat"), filters=[strip_or_none], validators=[Optional(), Length(max=200)])
    districts = Checkboxes(_l("Kecamatan peserta"), validators=[AtLeastOne(_l("Pilih paling sedikit satu kecamatan."))])
    notes = TextAreaField(_l("Catatan"), filters=[strip_or_none], validators=[Optional(), Length(max=5000)])

    def __init__(self, districts, **kwargs):
        super().__init__(**kwargs)
        self.districts.choices = choices((d.code, d.name) for d in districts)
