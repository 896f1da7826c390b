"""What a view needs to know of an assessment: may this user see it or change it, and what its page shows."""
from functools import cached_property

from flask import abort, request
from flask_babel import gettext as _
from flask_login import current_user

from app.access import is_own, scope
from app.assessments.forms import answer_message
from app.assessments.merge import corrected
from app.assessments.models import DRAFT, TEMPLATE_ID, Assessment
from app.assessments.service import server_stamp
from app.errors import render_error
from app.inputs import MAX_SEQ, MAX_STAMP
from app.instruments.models import current_version
from app.instruments.scoring import section_result, visible_questions
from app.i18n import today
from app.roles import FACILITATOR


def client_stamp(form):
    """The (ts, seq) that app.js sent in `form` with a change, on the server's clock (see merge.corrected);
    None: the server's. `ts` is the phone's clock at the change, `seq` its outbox number, `sent` the phone's
    clock at sending."""
    ts, seq, sent = (form.get(name, type=int) for name in ("ts", "seq", "sent"))
    if not (ts and 0 < ts <= MAX_STAMP):
        return None
    sent = sent if sent and 0 < sent <= MAX_STAMP else None
    return corrected(ts, sent, server_stamp()[0]), seq if seq and 0 < seq <= MAX_SEQ else 0


NOT_YOURS, LOCKED = "not_yours", "locked"  # why an assessment may not be changed: refusal()


def refusal(assessment):
    """Why the current user may not change `assessment` now, or None: only the facilitator who started an
    assessment changes it (NOT_YOURS), and only until it is submitted (LOCKED). A page says so with an
    error page (check_own_draft), a sync with the reason (sync.own_draft)."""
    if not is_own(assessment):
        return NOT_YOURS
    return None if assessment.editable else LOCKED


def can_edit(assessment):
    return refusal(assessment) is None


def viewable(assessment_id):
    """The assessment in the user's area; for TEMPLATE_ID, the blank one a facilitator prepares offline."""
    if assessment_id != TEMPLATE_ID or current_user.role != FACILITATOR:
        return scope().assessment_or_404(assessment_id)
    version = current_version()
    if version is None:
        abort(404)
    return Assessment(id=TEMPLATE_ID, instrument_version=version, facilitator_id=current_user.id,
                      facilitator=current_user._get_current_object(), status=DRAFT, visit_date=today(),
                      answers=[], notes=[], photos=[])


def own_draft(assessment_id):
    """The assessment, if the current user may change it now."""
    assessment = scope().assessment_to_change_or_404(assessment_id)
    check_own_draft(assessment)
    return assessment


def check_own_draft(assessment):
    """Abort with a page saying why, unless the current user may change `assessment` now (see refusal)."""
    if assessment.is_template:  # a page to copy, never saved
        abort(404)
    reason = refusal(assessment)
    if reason == NOT_YOURS:
        abort(render_error(403, _("Penilaian ini milik pendamping lain; Anda tidak dapat mengubahnya.")))
    if reason == LOCKED:
        abort(render_error(409, _("Penilaian ini sudah dikirim dan terkunci.")))


def section_or_404(assessment, code):
    section = assessment.instrument.section(code)
    if section is None:
        abort(404)
    return section


class Sheet:
    """What the section template shows of an assessment: stored answers, or what was typed and refused.
    The form's values and the right to edit are worked out when the template first reads them, and a
    section's progress when it asks, so a fragment pays only for what it shows (an autosave's reply:
    one section's progress, and the questions the answer showed or hid)."""

    def __init__(self, assessment, errors=None, photo_errors=None):
        self.assessment = assessment
        self.answers = assessment.values()
        self.visible = visible_questions(assessment.instrument, self.answers)
        self.errors = {code: answer_message(error) for code, error in (errors or {}).items()}
        self.photo_errors = photo_errors or {}

    @property
    def failed(self):
        return bool(self.errors or self.photo_errors)

    @cached_property
    def form(self):
        """({code: the text its control shows}, {codes whose "Tidak berlaku" is ticked})."""
        values, na = self.assessment.form_values()
        if self.failed:  # a refused section post saved nothing: show what was typed, not what is stored
            ticked = set(request.form.getlist("na"))  # "Tidak berlaku" stands instead of an answer, as when saved
            typed = {code: value for code, value in request.form.items()
                     if self.assessment.instrument.question(code) and code not in ticked}
            values = {code: value for code, value in values.items() if code not in ticked} | typed
            na = (na - typed.keys()) | ticked
        return values, na

    @property
    def values(self):
        return self.form[0]

    @property
    def na(self):
        return self.form[1]

    @cached_property
    def editable(self):
        return can_edit(self.assessment)

    def completeness(self, section_code):
        section = self.assessment.instrument.section(section_code)
        return section_result(section, self.answers, self.visible).completeness
