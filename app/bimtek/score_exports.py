"""A session's pre-test and post-test scores as CSV or XLSX: a row per participant in the user's area, with each
training topic's share right when answer sheets were kept, and (XLSX) a summary of the paired means."""
import tempfile

import xlsxwriter
from flask import abort
from flask_babel import get_locale
from flask_babel import gettext as _

from app.access import role_required
from app.bimtek import bp
from app.bimtek.gains import person_gain, topic_shares
from app.bimtek.routes import session_or_404
from app.bimtek.results import participants, questions_of, section, sheets
from app.cooperatives.models import position_label
from app.roles import ADMIN, SUPERVISOR
from app.rollups.cells import column_width, number
from app.rollups.exports import HEADER_FORMAT, TEXT_AS_TEXT, csv_response, write_header, xlsx_response

WIDTHS = (5, 28, 20, 36, 20, 16, 9, 9, 9)  # the least width of each fixed column, for its values


def score_table(session):
    """(header, rows, the summary of section()): the fixed columns, then a pre and a post column per topic
    that answer sheets cover."""
    people = participants(session)
    kept, questions = sheets([p.id for p in people]), questions_of(session)
    summary = section(session)
    topics = summary["result_topics"] if kept else []
    header = [_("No"), _("Nama"), _("Jabatan"), _("Koperasi"), _("Desa/Kelurahan"), _("Kecamatan"), _("Pre-test"),
              _("Post-test"), _("Selisih")]
    language = get_locale().language
    for _code, title, _gain in topics:
        header += [f"{title.get(language)} ({_('pre-test')}, %)", f"{title.get(language)} ({_('post-test')}, %)"]
    rows = []
    for n, p in enumerate(people, start=1):
        row = [n, p.person.name, position_label(p.position), p.cooperative.name,
               p.cooperative.village.name, p.cooperative.village.district.name, number(p.pre_score),
               number(p.post_score), number(person_gain(p.pre_score, p.post_score))]
        shares = {phase: topic_shares(kept[p.id, phase], questions) if (p.id, phase) in kept else {}
                  for phase in ("pre", "post")}
        for code, _title, _gain in topics:
            row += [number(shares["pre"].get(code)), number(shares["post"].get(code))]
        rows.append(row)
    return header, rows, summary


@bp.get("/<int:session_id>/scores.<fmt>")
@role_required(ADMIN, SUPERVISOR)
def export_test_scores(session_id, fmt):
    """The pre-test and post-test scores of the participants the user may see, as CSV or XLSX."""
    session = session_or_404(session_id)
    if fmt not in ("csv", "xlsx"):
        abort(404)
    header, rows, summary = score_table(session)
    if fmt == "csv":
        return csv_response(session.filename("nilai-tes", "csv"), header, rows)
    return xlsx_response(workbook(header, rows, summary), session.filename("nilai-tes", "xlsx"))


def workbook(header, rows, summary):
    """The scores sheet (header frozen, autofilter) and a summary of the paired means, overall and per topic."""
    file = tempfile.TemporaryFile()
    book = xlsxwriter.Workbook(file, TEXT_AS_TEXT)
    bold = book.add_format(HEADER_FORMAT)
    sheet = book.add_worksheet(_("Nilai"))
    write_header(sheet, header, bold, [column_width(title, least) for title, least in zip(header, WIDTHS)] +
                 [column_width(title, 8, 16) for title in header[len(WIDTHS):]])
    sheet.freeze_panes(1, 2)
    for i, row in enumerate(rows, start=1):
        sheet.write_row(i, 0, row)
    sheet.autofilter(0, 0, len(rows), len(header) - 1)
    totals = book.add_worksheet(_("Ringkasan"))
    head = [_("Kelompok"), _("Peserta dengan kedua nilai"), _("Rata-rata pre-test"), _("Rata-rata post-test"),
            _("Selisih"), _("Gain ternormalisasi")]
    write_header(totals, head, bold, [column_width(title, 30 if i == 0 else 8) for i, title in enumerate(head)])
    language = get_locale().language
    groups = [(_("Semua soal"), summary["results"])] + [(t.get(language), g) for _, t, g in summary["result_topics"]]
    for i, (name, gain) in enumerate(groups, start=1):
        normalised = None if gain.normalised is None else round(gain.normalised, 2)
        totals.write_row(i, 0, [name, gain.paired, number(gain.pre), number(gain.post), number(gain.gain), normalised])
    book.close()
    file.seek(0)
    return file
