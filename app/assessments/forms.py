"""The start-of-visit form, and the messages for refused answers and photos."""
import uuid

from flask_babel import format_decimal
from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, DateField, FloatField, HiddenField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional, ValidationError

from app.assessments import photos
from app.forms import BaseForm, Checkboxes, choices, strip
from app.i18n import today

ANSWER_ERRORS = {
    "not_a_whole_number": _l("Isi dengan bilangan bulat, misalnya 12."),
    "negative": _l("Jumlah tidak boleh negatif."),
    "too_large": _l("Jumlah paling banyak %(limit)s."),
    "not_an_option": _l("Pilih salah satu pilihan yang tersedia."),
    "not_a_date": _l("Tanggal tidak valid."),
    "too_long": _l("Paling banyak %(limit)s karakter."),
    "not_applicable": _l("Pertanyaan ini tidak dapat dijawab \"Tidak berlaku\"."),
}
CONFLICT = _l("Penilaian ini baru saja diubah orang lain, jadi tindakan Anda tidak dijalankan. "
              "Muat ulang halaman untuk melihat keadaan terbaru.")
# The one refusal of a start's id, whether it is unreadable, the blank pages' id, or taken by an assessment
# that is not this facilitator's visit to this cooperative, in the area or not: it tells no one whose or where.
ID_REFUSED = _l("Formulir ini tidak berlaku lagi. Muat ulang halaman lalu coba lagi.")
PHOTO_ERRORS = {
    "too_large": _l("Foto terlalu besar: paling besar 10 MB."),
    "not_an_image": _l("Berkas ini bukan foto. Pilih gambar JPEG atau PNG."),
    "too_many_pixels": _l("Ukuran gambar terlalu besar untuk diproses."),
    "question_full": _l("Paling banyak %(limit)s foto untuk satu pertanyaan. Hapus foto yang tidak perlu "
                        "untuk menambah yang baru."),
    "assessment_full": _l("Paling banyak %(limit)s foto untuk satu penilaian. Hapus foto yang tidak perlu "
                          "untuk menambah yang baru."),
    "busy": _l("Foto lain masih diproses. Tunggu sampai selesai, lalu kirim foto ini lagi."),
}


def photo_message(code):
    """A refused photo's reason (a PhotoError code) in the user's language."""
    limits = {"question_full": photos.MAX_PER_QUESTION, "assessment_full": photos.MAX_PER_ASSESSMENT}
    return str(PHOTO_ERRORS[code]) % {"limit": format_decimal(limits.get(code, 0))}


def answer_message(error):
    """The refused answer's reason in the user's language."""
    return str(ANSWER_ERRORS[error.code]) % {"limit": format_decimal(error.limit or 0)}


class StartForm(BaseForm):
    """Start of a visit: the browser's assessment id, the date, who was there, and where."""
    id = HiddenField(validators=[DataRequired()])
    visit_date = DateField(_l("Tanggal kunjungan"), default=today, validators=[DataRequired()])
    present = Checkboxes(_l("Pengurus/pengawas yang hadir"))
    others = TextAreaField(_l("Hadir lainnya (satu nama per baris)"), filters=[strip], validators=[Length(max=1000)])
    latitude = FloatField(validators=[Optional(), NumberRange(-90, 90)])
    longitude = FloatField(validators=[Optional(), NumberRange(-180, 180)])
    accuracy_m = FloatField(validators=[Optional(), NumberRange(0, 100_000)])
    another = BooleanField(_l("Ya, mulai penilaian baru untuk koperasi ini"))

    def __init__(self, cooperative, open_drafts=(), **kwargs):
        """`open_drafts`: the cooperative's open assessments, which a start from the page must confirm.
        An offline start (sync) passes none: its page asked, with the drafts known when it was prepared."""
        super().__init__(**kwargs)
        self.open_drafts = open_drafts
        self.present.choices = choices((label, label) for label in officer_labels(cooperative))
        if not self.id.data:
            self.id.data = str(uuid.uuid4())  # without JavaScript; the page's script replaces it

    def validate_id(self, field):
        try:
            field.data = uuid.UUID(field.data)
        except (TypeError, ValueError):
            field.data = uuid.uuid4()  # as refuse_id does
            raise ValidationError(ID_REFUSED) from None

    def refuse_id(self):
        """Refuse an id that start() would not take as an unreadable one is refused: with a fresh id to send."""
        self.id.errors = [*self.id.errors, ID_REFUSED]
        self.id.data = uuid.uuid4()

    def validate_visit_date(self, field):
        if field.data and field.data > today():
            raise ValidationError(_l("Tanggal kunjungan tidak boleh di masa depan."))

    def validate_another(self, field):
        if self.other_drafts and not field.data:
            raise ValidationError(_l("Penilaian baru belum dimulai karena koperasi ini sudah punya penilaian yang "
                                     "belum dikirim. Lanjutkan penilaian itu, atau centang kotak ini untuk "
                                     "memulai penilaian baru."))

    @property
    def other_drafts(self):
        """The open drafts besides this form's own assessment (a retried start finds its own)."""
        return [draft for draft in self.open_drafts if str(draft.id) != str(self.id.data)]

    def attendees(self):
        others = (line.strip() for line in (self.others.data or "").splitlines())
        return [*(self.present.data or ()), *(line for line in others if line)]


def officer_labels(cooperative):
    return [f"{officer.name} ({officer.role_label})" for officer in cooperative.officers]
