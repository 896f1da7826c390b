"""The daftar hadir of a Bimtek session as XLSX: one sheet per day, ready to print and sign for the SPJ."""
import tempfile

import xlsxwriter
from flask_babel import format_date
from flask_babel import gettext as _

from app.access import role_required
from app.bimtek import bp
from app.bimtek.attendance import marks, registered
from app.bimtek.routes import session_or_404
from app.cooperatives.models import position_label
from app.roles import ADMIN, SUPERVISOR
from app.rollups.exports import TEXT_AS_TEXT, xlsx_response

# The columns' widths in characters: No, Nama, Jabatan, Koperasi, Desa, Kecamatan, Telepon, Hadir, Tanda tangan.
WIDTHS = (5, 26, 18, 30, 16, 14, 15, 8, 28)
TITLE_ROWS = 4  # title, day and date, venue, a blank line; the header comes next
SIGNING_HEIGHT = 36  # points: room for a signature


@bp.get("/<int:session_id>/attendance.xlsx")
@role_required(ADMIN, SUPERVISOR)
def attendance_xlsx(session_id):
    """The daftar hadir: every participant registered in the user's area, a row to sign on each day's sheet."""
    session = session_or_404(session_id)
    return xlsx_response(workbook(session, registered(session)), session.filename("daftar-hadir", "xlsx"))


def workbook(session, participants):
    """One sheet per day: title rows, then a row per participant with an empty column to sign; "Hadir" says
    what was recorded on the attendance page. Printed on A4 landscape, fit to width, the header on each page."""
    file = tempfile.TemporaryFile()
    book = xlsxwriter.Workbook(file, TEXT_AS_TEXT)
    styles = {"title": book.add_format({"bold": True, "font_size": 14}),
              "header": book.add_format({"bold": True, "bg_color": "#eeeeee", "border": 1, "text_wrap": True,
                                         "valign": "vcenter"}),
              "cell": book.add_format({"border": 1, "text_wrap": True, "valign": "vcenter"})}
    header = [_("No"), _("Nama"), _("Jabatan"), _("Koperasi"), _("Desa/Kelurahan"), _("Kecamatan"), _("Telepon"),
              _("Hadir"), _("Tanda tangan")]
    for number, day in enumerate(session.days, start=1):
        sheet = book.add_worksheet(_("Hari %(n)s", n=number))
        day_sheet(sheet, styles, header, session, number, day, participants)
    book.close()
    file.seek(0)
    return file


def day_sheet(sheet, styles, header, session, number, day, participants):
    present = marks(session, day)
    sheet.set_paper(9)  # A4
    sheet.set_landscape()
    sheet.fit_to_pages(1, 0)  # as wide as one page, as many pages long as it takes
    sheet.repeat_rows(TITLE_ROWS)
    sheet.set_margins(left=0.5, right=0.5, top=0.6, bottom=0.6)
    sheet.set_footer("&C&P / &N")
    for column, width in enumerate(WIDTHS):
        sheet.set_column(column, column, width)
    sheet.write_string(0, 0, session.title, styles["title"])
    sheet.write_string(1, 0, _("Daftar hadir hari ke-%(n)s: %(date)s", n=number, date=format_date(day, "long")))
    sheet.write_string(2, 0, _("Tempat: %(venue)s", venue=session.venue) if session.venue else "")
    sheet.write_row(TITLE_ROWS, 0, header, styles["header"])
    for i, p in enumerate(participants, start=1):
        row = TITLE_ROWS + i
        village = p.cooperative.village
        sheet.set_row(row, SIGNING_HEIGHT)
        sheet.write_number(row, 0, i, styles["cell"])
        for column, text in enumerate((p.person.name, position_label(p.position), p.cooperative.name, village.name,
                                       village.district.name, p.person.phone or "",
                                       _("Hadir") if present.get(p.id) else "", ""), start=1):
            if text:
                sheet.write_string(row, column, text, styles["cell"])
            else:  # a bordered blank, not an empty string: left empty to write or sign in
                sheet.write_blank(row, column, None, styles["cell"])
