"""The NIK (Nomor Induk Kependudukan) check. Plain Python: no Flask, no database.

A NIK is 16 digits: the kecamatan where it was issued (province, regency, kecamatan: two digits each, the
province 11 to 96), the birth date as DDMMYY with 40 added to a woman's day, and a serial that is not 0000.
"""
from datetime import date

_ = lambda s: s  # noqa: E731  (marks a message for extraction; the caller translates it)

LENGTH = 16
SEPARATORS = " .-"  # what a NIK copied from a card or a spreadsheet may be typed with
NOT_SIXTEEN = _("NIK harus 16 angka.")
BAD_REGION = _("Enam angka pertama NIK harus kode kecamatan (kode provinsi 11 sampai 96).")
BAD_BIRTH_DATE = _("Angka ke-7 sampai ke-12 NIK harus tanggal lahir (HHBBTT; perempuan: tanggal ditambah 40).")
BAD_SERIAL = _("Empat angka terakhir NIK tidak boleh 0000.")


def normalized(value):
    """The NIK as typed, without spaces, dots and dashes."""
    return "".join(ch for ch in (value or "") if ch not in SEPARATORS)


def nik_problem(value):
    """What is wrong with `value` (normalized) as a NIK: one of the messages above (untranslated), or None."""
    if len(value) != LENGTH or not value.isascii() or not value.isdigit():
        return NOT_SIXTEEN
    province, regency, district = int(value[0:2]), int(value[2:4]), int(value[4:6])
    if not (11 <= province <= 96 and regency >= 1 and district >= 1):
        return BAD_REGION
    if birth_date(value) is None:
        return BAD_BIRTH_DATE
    if value[12:] == "0000":
        return BAD_SERIAL
    return None


def birth_date(value):
    """The (day, month, two-digit year) of birth a NIK tells, or None if no such day is in 19YY or 20YY."""
    day, month, year = int(value[6:8]), int(value[8:10]), int(value[10:12])
    if day > 40:
        day -= 40
    for century in (1900, 2000):
        try:
            date(century + year, month, day)
        except ValueError:
            continue
        return day, month, year
    return None


def is_woman(value):
    """Whether a NIK's day of birth has 40 added: it was issued to a woman."""
    return int(value[6:8]) > 40
