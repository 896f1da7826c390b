"""The cooperative profile form, with its pengurus and pengawas."""

from flask_babel import lazy_gettext as _l
from wtforms import DateField, FieldList, FormField, IntegerField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length, Optional, Regexp, ValidationError

from app.cooperatives.models import OFFICER_ROLES
from app.forms import BaseForm, NumberRange, SubForm, strip, strip_or_none
from app.i18n import today

PHONE = Regexp(r"^\+?[0-9 ()-]{6,20}$", message=_l("Nomor telepon hanya berisi angka, spasi, +, ( ) atau -."))
BLANK_OFFICER_ROWS = 3
BODIES = {"pengurus": _l("Pengurus"), "pengawas": _l("Pengawas")}


def officer_roles():
    """The positions, grouped as pengurus and pengawas."""
    return [SelectChoice(role, label, optgroup=BODIES[role.split(":")[0]]) for role, label in OFFICER_ROLES.items()]


class OfficerForm(SubForm):
    """One row of the pengurus/pengawas table; a row with no name is ignored."""
    role = SelectField(_l("Jabatan"), choices=officer_roles)
    name = StringField(_l("Nama"), filters=[strip_or_none], validators=[Length(max=120)])
    phone = StringField(_l("Telepon"), filters=[strip_or_none], validators=[Optional(), PHONE])


class CooperativeForm(BaseForm):
    name = StringField(_l("Nama koperasi"), filters=[strip], validators=[Length(min=3, max=200)])
    sk_ahu = StringField(_l("Nomor SK AHU (badan hukum)"), filters=[strip_or_none], validators=[Optional(), Length(max=100)])
    nib = StringField(_l("NIB"), filters=[strip_or_none], validators=[
        Optional(), Regexp(r"^[0-9]{13}$", message=_l("NIB terdiri dari 13 angka."))])
    nik = StringField(_l("Nomor Induk Koperasi"), filters=[strip_or_none], validators=[
        Optional(), Regexp(r"^[0-9]{6,20}$", message=_l("Nomor Induk Koperasi hanya berisi angka."))])
    founded_on = DateField(_l("Tanggal berdiri"), validators=[Optional()])
    address = StringField(_l("Alamat"), filters=[strip_or_none], validators=[Optional(), Length(max=300)])
    phone = StringField(_l("Telepon"), filters=[strip_or_none], validators=[Optional(), PHONE])
    member_count = IntegerField(_l("Jumlah anggota"), validators=[
        Optional(), NumberRange(min=0, max=1_000_000, message=_l("Jumlah anggota harus 0 sampai 1.000.000."))])
    officers = FieldList(FormField(OfficerForm), label=_l("Pengurus dan pengawas"))

    def validate_founded_on(self, field):
        if field.data and field.data > today():
            raise ValidationError(_l("Tanggal berdiri tidak boleh di masa depan."))

    def filled_officers(self):
        """The officer rows that have a name."""
        return [row.data for row in self.officers if row.form.name.data]
