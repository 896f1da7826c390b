"""The forms of a session's test: its full score, a question, scores typed from paper, and an answer sheet."""
from flask_babel import format_decimal
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import (FieldList, FormField, HiddenField, IntegerField, RadioField, SelectField, StringField, SubmitField,
                     TextAreaField)
from wtforms.validators import DataRequired, InputRequired, Length, Optional, ValidationError

from app.bimtek.gains import ScoreError, read_score
from app.forms import BaseForm, NumberRange, SubForm, choices, strip

MAX_OPTIONS, MIN_OPTIONS = 5, 2
PHASE_NAMES = {"pre": _l("pre-test"), "post": _l("post-test")}


class FullScoreForm(BaseForm):
    test_max = IntegerField(_l("Nilai maksimum tes"), validators=[InputRequired(), NumberRange(1, 1000)])

    def __init__(self, typed, **kwargs):
        """`typed`: [(name, phase, score)] of the scores typed from paper, which a lower maximum must not undercut."""
        super().__init__(**kwargs)
        self.typed = typed

    def validate_test_max(self, field):
        if field.data is None or field.errors:
            return
        over = [(name, phase, score) for name, phase, score in self.typed if score > field.data]
        if over:
            name, phase, score = over[0]
            raise ValidationError(_("Nilai %(phase)s %(name)s (%(score)s) melebihi nilai maksimum itu.",
                                    phase=PHASE_NAMES[phase], name=name, score=format_decimal(score)))


class QuestionForm(BaseForm):
    number = IntegerField(_l("Nomor soal"), validators=[InputRequired(), NumberRange(1, 999)])
    topic_code = SelectField(_l("Topik pelatihan"), validators=[DataRequired()])
    text = TextAreaField(_l("Soal"), filters=[strip], validators=[DataRequired(), Length(max=2000)])
    option_1 = StringField(_l("Pilihan A"), filters=[strip], validators=[Length(max=300)])
    option_2 = StringField(_l("Pilihan B"), filters=[strip], validators=[Length(max=300)])
    option_3 = StringField(_l("Pilihan C"), filters=[strip], validators=[Length(max=300)])
    option_4 = StringField(_l("Pilihan D"), filters=[strip], validators=[Length(max=300)])
    option_5 = StringField(_l("Pilihan E"), filters=[strip], validators=[Length(max=300)])
    answer = RadioField(_l("Jawaban yang benar"), choices=choices((str(n), "ABCDE"[n - 1]) for n in range(1, 6)),
                        validators=[InputRequired(_l("Pilih jawaban yang benar."))])

    def __init__(self, topics, taken, **kwargs):
        """`topics`: the instrument's (code, title); `taken`: the numbers the session's other questions use."""
        super().__init__(**kwargs)
        self.topic_code.choices = choices(topics)
        self.taken = taken

    def option_fields(self):
        return [self[f"option_{n}"] for n in range(1, MAX_OPTIONS + 1)]

    def validate_number(self, field):
        if field.data in self.taken:
            raise ValidationError(_("Nomor %(number)s sudah dipakai soal lain.", number=field.data))

    def validate_option_2(self, field):
        if sum(1 for f in self.option_fields() if f.data) < MIN_OPTIONS:
            raise ValidationError(_("Isi paling sedikit %(n)s pilihan.", n=MIN_OPTIONS))

    def validate_answer(self, field):
        if field.data and not self[f"option_{field.data}"].data:
            raise ValidationError(_("Jawaban yang benar harus pilihan yang diisi."))

    def options(self):
        """(the filled options' texts in order, the index of the right one among them)."""
        filled = [(n, f.data) for n, f in enumerate(self.option_fields(), start=1) if f.data]
        return [text for _, text in filled], [n for n, _ in filled].index(int(self.answer.data))

    def fill(self, question):
        """Put a stored question into the form (a GET of the edit page)."""
        self.number.data, self.topic_code.data, self.text.data = question.number, question.topic_code, question.text
        for field, text in zip(self.option_fields(), question.options):
            field.data = text
        self.answer.data = str(question.answer + 1)


class ScoreRow(SubForm):
    """One participant's scores typed from paper. A phase sent blank clears its score; one not sent at all (an
    answer sheet's, shown as text) is left as it is."""
    participant = HiddenField()
    pre = StringField(filters=[strip])
    post = StringField(filters=[strip])


class ScoresForm(BaseForm):
    rows = FieldList(FormField(ScoreRow), max_entries=2000)

    def __init__(self, people, full, locked, **kwargs):
        """`people`: {id: Participant} the user may score; `locked`: (id, phase) scored from an answer sheet."""
        super().__init__(**kwargs)
        self.people, self.full, self.locked = people, full, locked
        self.scores, self.messages = {}, []  # (participant, phase) -> the score to store; every refusal, in order

    def validate_rows(self, field):
        for entry in field.entries:
            person = self.people.get(_id(entry.participant.data))
            if person is None:
                entry.participant.errors.append(_("Peserta ini tidak terdaftar di sesi ini."))
                self.messages.append(entry.participant.errors[-1])
                continue
            for phase in ("pre", "post"):
                sent = entry[phase]
                if not sent.raw_data or (person.id, phase) in self.locked:
                    continue
                try:
                    self.scores[person, phase] = read_score(sent.data, self.full)
                except ScoreError as refused:
                    sent.errors.append(score_message(refused.kind, phase, person.person.name, self.full))
                    self.messages.append(sent.errors[-1])
        if self.messages:
            raise ValidationError(_("Tidak ada nilai yang disimpan."))


def score_message(kind, phase, name, full):
    """Why a typed score was refused, naming the participant and the phase."""
    if kind == "over":
        return _("Nilai %(phase)s %(name)s melebihi nilai maksimum (%(full)s).", phase=PHASE_NAMES[phase], name=name,
                 full=full)
    if kind == "negative":
        return _("Nilai %(phase)s %(name)s tidak boleh negatif.", phase=PHASE_NAMES[phase], name=name)
    return _("Nilai %(phase)s %(name)s bukan angka; tulis misalnya 72,5.", phase=PHASE_NAMES[phase], name=name)


def _id(text):
    return int(text) if isinstance(text, str) and text.isdigit() and len(text) < 19 else None


NO_ANSWER = -1  # an answer sheet's "not answered": a radio chosen by mistake can be taken back


def sheet_form(questions, kept):
    """An answer sheet: per question "not answered" and its options, pre-filled with the `kept` choices
    ({question id: index}); and a button that removes the whole sheet."""
    class SheetForm(BaseForm):
        clear = SubmitField(_l("Hapus lembar jawaban"))
    for question in questions:
        setattr(SheetForm, f"q{question.id}", RadioField(
            f"{question.number}. {question.text}", coerce=int, validators=[Optional()],
            choices=choices([(NO_ANSWER, _l("Tidak dijawab")), *enumerate(question.options)]),
            default=kept.get(question.id, NO_ANSWER)))
    return SheetForm()


def chosen_options(form, questions):
    """{question id: option index} of the options chosen on a sent answer sheet; none if it is to be removed."""
    if form.clear.data:
        return {}
    picked = {q.id: form[f"q{q.id}"].data for q in questions}
    return {question_id: pick for question_id, pick in picked.items() if pick is not None and pick != NO_ANSWER}
