"""The review queue's filters and the review actions' fields."""
from flask_babel import lazy_gettext as _l
from wtforms import DateField, IntegerField, SelectField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from app.assessments.models import STATUSES
from app.forms import BaseForm, ConfirmForm, choices, strip


class QueueFilter(BaseForm):
    """GET filters: kecamatan, status, facilitator, visit dates."""
    class Meta:
        csrf = False

    # Optional() lets a blank value through without the choice check: stripped, " " is no filter at all
    district = SelectField(_l("Kecamatan"), filters=[strip], validators=[Optional()])
    status = SelectField(_l("Status"), default="submitted", filters=[strip], validators=[Optional()])
    facilitator = SelectField(_l("Pendamping"), filters=[strip], validators=[Optional()])
    visited_from = DateField(_l("Kunjungan dari"), validators=[Optional()])
    visited_to = DateField(_l("sampai"), validators=[Optional()])

    def __init__(self, districts, facilitators, **kwargs):
        super().__init__(**kwargs)
        self.district.choices = choices([("", _l("Semua kecamatan"))] + [(d.code, d.name) for d in districts])
        self.status.choices = choices([("all", _l("Semua status"))] + list(STATUSES.items()))
        self.facilitator.choices = choices([("", _l("Semua pendamping"))] + [(str(u.id), u.name) for u in facilitators])


class ActionForm(ConfirmForm):
    """Approve (confirmed), return or reopen: the version the reviewer saw, and why."""
    version = IntegerField(validators=[DataRequired()])
    comment = TextAreaField(_l("Komentar"), validators=[Length(max=5000)])


QUESTION_COMMENT = "comment-"  # + question code: a comment beside one question
