"""The participants of a session as a file (XLSX or CSV), from the user's area. The NIK column is the Dinas's
only: a supervisor's file has none."""
import tempfile

import xlsxwriter
from flask_babel import gettext as _
from flask_login import current_user

from app.bimtek.people import days_present
from app.cooperatives.models import position_label
from app.rollups.cells import column_width
from app.rollups.exports import HEADER_FORMAT, TEXT_AS_TEXT, csv_response, write_header, xlsx_response

WIDTHS = (5, 28, 22, 36, 20, 16, 16, 18, 10)  # the least width of each column, for its values


def header(session, with_nik):
    days = _("Hari hadir (dari %(days)s)", days=len(session.days))
    names = [_("No"), _("Nama"), _("Jabatan"), _("Koperasi"), _("Desa/Kelurahan"), _("Kecamatan"), _("Telepon"),
             _("NIK"), days]
    return names if with_nik else names[:7] + names[8:]


def rows(participants, cooperatives, with_nik):
    """A row per participant, by kecamatan and village as `cooperatives` are ordered, then as registered."""
    order = {c.id: n for n, c in enumerate(cooperatives)}
    by_id = {c.id: c for c in cooperatives}
    ranked = sorted(participants, key=lambda p: (order[p.cooperative_id], p.id))
    for n, participant in enumerate(ranked, start=1):
        cooperative, person = by_id[participant.cooperative_id], participant.person
        row = [n, person.name, position_label(participant.position), cooperative.name,
               cooperative.village.name, cooperative.village.district.name, person.phone or "", person.nik or "",
               days_present(participant)]
        yield row if with_nik else row[:7] + row[8:]


def participants_file(session, cooperatives, participants, fmt):
    """The response: a CSV, or an XLSX with a frozen, filtered header."""
    with_nik = current_user.is_admin
    filename = session.filename("peserta", fmt)
    names, lines = header(session, with_nik), list(rows(participants, cooperatives, with_nik))
    if fmt == "csv":
        return csv_response(filename, names, lines)
    file = tempfile.TemporaryFile()
    book = xlsxwriter.Workbook(file, TEXT_AS_TEXT)
    sheet = book.add_worksheet(_("Peserta"))
    bold = book.add_format(HEADER_FORMAT)
    widths = [column_width(title, least) for title, least in
              zip(names, WIDTHS if with_nik else WIDTHS[:7] + WIDTHS[8:])]
    write_header(sheet, names, bold, widths)
    for i, line in enumerate(lines, start=1):
        sheet.write_row(i, 0, line)
    sheet.freeze_panes(1, 2)
    sheet.autofilter(0, 0, len(lines), len(names) - 1)
    book.close()
    file.seek(0)
    return xlsx_response(file, filename)
