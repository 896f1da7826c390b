"""The forms of a follow-up plan: the Dinas's action (wording, owner, due date) and the facilitator's check."""
from flask_babel import format_date
from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import DateField, SelectField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from app.followup.models import DONE, NOT_DONE, PARTLY, STATUS_LABELS
from app.forms import BaseForm, choices, strip, strip_or_none

CHECKED = (DONE, PARTLY, NOT_DONE)  # what a visit can find


def officer_id(value):
    """Coerce a select's value to an officer id; anything else is None, which validation refuses."""
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


class ActionForm(BaseForm):
    """An action of a plan, as the Dinas writes or corrects it."""
    text = TextAreaField(_l("Tindakan"), filters=[strip], validators=[DataRequired(), Length(min=3, max=1000)])
    officer_id = SelectField(_l("Penanggung jawab"), coerce=officer_id, validate_choice=False)
    due_on = DateField(_l("Tanggal target"), validators=[DataRequired()])
    section_code = SelectField(_l("Bagian"), validate_choice=True)

    def __init__(self, session, cooperative, sections, **kwargs):
        super().__init__(**kwargs)
        self.session, self.officers = session, {o.id: o for o in cooperative.officers}
        self.officer_id.choices = choices([("", _l("– belum ditentukan –")),
                                           *((o.id, f"{o.name} ({o.role_label})") for o in cooperative.officers)])
        self.section_code.choices = choices((s.code, f"{s.code}. {s.title.get('id')}") for s in sections)

    def fill(self, action):
        """Put the form's fields on `action` (not populate_obj, which would set its csrf_token too)."""
        for name in ("text", "officer_id", "due_on", "section_code"):
            setattr(action, name, getattr(self, name).data)

    def validate_officer_id(self, field):
        """No owner yet, or one of this cooperative's officers; never another cooperative's."""
        sent = field.raw_data[0] if field.raw_data else ""
        if (sent or field.data is not None) and field.data not in self.officers:
            raise ValidationError(_l("Penanggung jawab harus pengurus atau pengawas koperasi ini."))

    def validate_due_on(self, field):
        if field.data and field.data < self.session.held_on:
            raise ValidationError(_l("Tanggal target tidak boleh sebelum sesi (%(date)s).",
                                     date=format_date(self.session.held_on, "long")))


class MarkForm(BaseForm):
    """The facilitator's check of an action at a visit: how it went, a note, and a photo if there is one."""
    status = SelectField(_l("Status"), choices=choices((s, STATUS_LABELS[s]) for s in CHECKED), validate_choice=False)
    note = TextAreaField(_l("Catatan"), filters=[strip_or_none], validators=[Optional(), Length(max=2000)])
    photo = FileField(_l("Foto (jika ada)"))

    def validate_status(self, field):
        if field.data not in CHECKED:
            raise ValidationError(_l("Pilih: selesai, sebagian, atau tidak dilaksanakan."))
