"""Follow-up actions with their status, as XLSX and CSV, scoped to the user's area (all sessions, or ?session=)."""
import tempfile

import xlsxwriter
from flask import abort, request
from flask_babel import gettext as _
from sqlalchemy import select

from app.access import joined_to_districts, role_required, scope
from app.bimtek.models import BimtekSession
from app.cooperatives.models import Cooperative, Officer
from app.extensions import db
from app.followup import bp
from app.followup.models import STATUS_LABELS, FollowupAction
from app.bimtek.routes import session_or_404
from app.inputs import id_number
from app.regions.models import District, Village
from app.roles import ADMIN, SUPERVISOR
from app.rollups.asked import instrument
from app.rollups.cells import column_width
from app.rollups.exports import DATE_FORMAT, HEADER_FORMAT, TEXT_AS_TEXT, csv_response, write_header, xlsx_response

WIDTHS = (30, 12, 16, 20, 40, 24, 10, 60, 24, 18, 12, 16, 12, 40)  # the least width of each column


def header():
    return [_("Sesi"), _("Tanggal sesi"), _("Kecamatan"), _("Desa/Kelurahan"), _("Koperasi"), _("Bagian"),
            _("Pertanyaan"), _("Tindakan"), _("Penanggung jawab"), _("Jabatan"), _("Tanggal target"), _("Status"),
            _("Diperiksa"), _("Catatan")]


def action_rows(session_id=None):
    """A row per follow-up action of the cooperatives in the user's area, by session, kecamatan and village."""
    current = instrument()
    titles = {s.code: f"{s.code}. {s.title.get('id')}" for s in current.sections} if current else {}
    statement = (joined_to_districts(
        select(FollowupAction, BimtekSession, District.name, Village.name, Cooperative.name, Officer)
        .select_from(FollowupAction).join(FollowupAction.cooperative))
        .join(BimtekSession, BimtekSession.id == FollowupAction.session_id)
        .outerjoin(Officer, Officer.id == FollowupAction.officer_id)
        .where(scope().district_clause())
        .order_by(BimtekSession.held_on, BimtekSession.id, District.name, Village.name, FollowupAction.section_code,
                  FollowupAction.id))
    if session_id is not None:
        statement = statement.where(FollowupAction.session_id == session_id)
    for action, session, district, village, cooperative, owner in db.session.execute(statement):
        yield [session.title, session.held_on, district, village, cooperative,
               titles.get(action.section_code, action.section_code), action.question_code, action.text,
               owner.name if owner else None, str(owner.role_label) if owner else None, action.due_on,
               str(STATUS_LABELS[action.status]), action.checked_on, action.note]


@bp.get("/actions.<fmt>")
@role_required(ADMIN, SUPERVISOR)
def export_actions(fmt):
    """Follow-up actions with their status, as CSV or XLSX."""
    session = None
    if request.args.get("session"):
        session = session_or_404(request.args.get("session", type=id_number))
    name = f"siapkop-tindak-lanjut{f'-bimtek-{session.held_on.isoformat()}' if session else ''}.{fmt}"
    rows = action_rows(session.id if session else None)
    if fmt == "csv":
        return csv_response(name, header(), rows)
    if fmt != "xlsx":
        abort(404)
    return xlsx_response(workbook(rows), name)


def workbook(rows):
    """One sheet: the header frozen with an autofilter, dates as dates, every text a text."""
    file = tempfile.TemporaryFile()
    book = xlsxwriter.Workbook(file, {"constant_memory": True, "default_date_format": DATE_FORMAT, **TEXT_AS_TEXT})
    bold = book.add_format(HEADER_FORMAT)
    sheet, titles = book.add_worksheet(_("Tindak lanjut")), header()
    write_header(sheet, titles, bold, [column_width(title, least) for title, least in zip(titles, WIDTHS)])
    sheet.freeze_panes(1, 0)
    count = 0
    for count, row in enumerate(rows, start=1):
        sheet.write_row(count, 0, row)
    sheet.autofilter(0, 0, count, len(titles) - 1)
    book.close()
    file.seek(0)
    return file
