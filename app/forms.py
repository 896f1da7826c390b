"""Form base classes whose built-in WTForms messages speak the user's language.

WTForms ships no Indonesian catalog, so its messages are mapped here to our own
gettext strings (Indonesian msgids, English in translations/en).
"""
from flask_babel import gettext
from flask_wtf import FlaskForm
from wtforms import BooleanField, Form, SelectMultipleField, validators
from wtforms.fields.choices import SelectChoice
from wtforms.meta import DefaultMeta
from wtforms.widgets import CheckboxInput, ListWidget

_ = lambda s: s  # noqa: E731  (mark for extraction; translated at use)

MESSAGES = {
    "This field is required.": _("Wajib diisi."),
    "Invalid input.": _("Isian tidak valid."),
    "Not a valid choice.": _("Pilihan tidak valid."),
    "Invalid Choice: could not coerce.": _("Pilihan tidak valid."),
    "Invalid choice(s): one or more data inputs could not be coerced.": _("Pilihan tidak valid."),
    "Not a valid integer value.": _("Harus berupa bilangan bulat."),
    "Not a valid decimal value.": _("Harus berupa angka."),
    "Not a valid float value.": _("Harus berupa angka."),
    "Not a valid date value.": _("Tanggal tidak valid."),
    "Field must be between %(min)d and %(max)d characters long.": _("Panjang isian harus %(min)d sampai %(max)d karakter."),
    "Number must be between %(min)s and %(max)s.": _("Angka harus antara %(min)s dan %(max)s."),
    "Number must be at least %(min)s.": _("Angka paling kecil %(min)s."),
    "Number must be at most %(max)s.": _("Angka paling besar %(max)s."),
}
PLURALS = {
    "Field must be at least %(min)d character long.": _("Isian paling sedikit %(min)d karakter."),
    "Field cannot be longer than %(max)d character.": _("Isian paling banyak %(max)d karakter."),
    "'%(value)s' is not a valid choice for this field.": _("'%(value)s' bukan pilihan yang valid."),
}


def strip(value):
    """Filter: trim surrounding spaces."""
    return value.strip() if isinstance(value, str) else value


def lower_strip(value):
    """Filter: trim and lower-case (usernames)."""
    return value.strip().lower() if isinstance(value, str) else value


def strip_or_none(value):
    """Filter: trim, and store an empty optional answer as NULL."""
    return (value.strip() or None) if isinstance(value, str) else value


class NumberRange(validators.NumberRange):
    """WTForms' NumberRange, refusing with its message a whole number too long for a float (hundreds of
    digits typed in a number field), where WTForms' own raises OverflowError: a 500."""

    def __call__(self, form, field):
        try:
            super().__call__(form, field)
        except OverflowError:
            field.data = None
            super().__call__(form, field)


class AtLeastOne:
    """At least one box of a Checkboxes field ticked. Unlike DataRequired it sets no `required` flag: each box
    would carry it, and the browser would then refuse the form until every box is ticked."""
    field_flags = {}

    def __init__(self, message):
        self.message = message

    def __call__(self, form, field):
        if not field.data:
            raise validators.StopValidation(self.message)


class Checkboxes(SelectMultipleField):
    """Several choices as a list of check boxes. Stored rows pre-fill it by their `code` (with `obj=`, a
    user's or a session's kecamatan), so the boxes of what is stored come up ticked."""
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()

    def process_data(self, value):
        super().process_data([getattr(item, "code", item) for item in value or ()])


def choices(pairs):
    """SelectChoice objects from (value, label) pairs."""
    return [SelectChoice(value, label) for value, label in pairs]


class _Translations:
    def gettext(self, string):
        return gettext(MESSAGES[string]) if string in MESSAGES else string

    def ngettext(self, singular, plural, n):
        return gettext(PLURALS[singular]) if singular in PLURALS else (singular if n == 1 else plural)


TRANSLATIONS = _Translations()


class TranslatedMeta(DefaultMeta):
    def get_translations(self, form):
        return TRANSLATIONS


class BaseForm(FlaskForm):
    """A form with CSRF and messages in the user's language."""
    class Meta(FlaskForm.Meta):
        def get_translations(self, form):
            return TRANSLATIONS


class ConfirmForm(BaseForm):
    """A step taken only once confirmed: the browser's dialog (hx-confirm, with hx-vals) or, without JavaScript,
    the page extending confirm.html sends confirmed=y."""
    confirmed = BooleanField()


class SubForm(Form):
    """A row inside a BaseForm (FormField), with the same translated messages."""
    Meta = TranslatedMeta
