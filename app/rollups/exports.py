"""Exports for the regency (the user's area), a kecamatan or a Bimtek session: CSV, XLSX, and answers CSV."""
import csv
import io
import re
import tempfile
from functools import cache
from itertools import chain

import xlsxwriter
from flask import Response, abort, current_app, request, send_file, stream_with_context
from flask_babel import gettext as _
from flask_babel import to_user_timezone
from sqlalchemy import select

from app.access import joined_to_areas, role_required, scope
from app.assessments.labels import answer_label
from app.assessments.models import STATUSES, Answer, Assessment
from app.bimtek.models import BimtekSession
from app.cooperatives.models import Cooperative
from app.extensions import db
from app.inputs import id_number
from app.regions.models import District, Regency, Village
from app.roles import ADMIN, SUPERVISOR
from app.rollups import bp
from app.rollups.asked import DISTRICTS, LEVEL_COLOURS, Asked, area_asked, area_rollups, instrument
from app.instruments.scoring import level_for
from app.rollups.cells import column_width, header_lines, inert, number
from app.rollups.queries import latest_counted


class Target:
    """What to export: the user's area, one province, regency or kecamatan (?area=, or ?district=), or one
    Bimtek session (?session=); and the tier of areas its summary and sheets list."""

    def __init__(self):
        area, default = scope(), None
        if request.args.get("session"):
            session = db.one_or_404(BimtekSession.covering(area.district_clause())
                                    .where(BimtekSession.id == request.args.get("session", type=id_number)))
            self.where, self.tier = [area.district_clause(), District.code.in_(session.district_codes)], DISTRICTS
            self.areas = db.session.scalars(self.tier.areas(self.where)).all()
            self.name, default = f"bimtek-{session.held_on.isoformat()}-{session.title}", session.readiness_date
        else:
            place, self.where, self.tier, self.areas = area_asked(
                area, request.args.get("area") or request.args.get("district"), in_kecamatan=DISTRICTS)
            if place is None:
                regency = db.session.scalar(select(Regency.name).join(District).where(*self.where).limit(1))
                self.name = "indonesia" if area.national else regency or "wilayah"
            else:
                self.name = f"kec-{place.name}" if isinstance(place, District) else place.name
        self.asked = Asked.from_request(default=default)

    def latest(self, sections=()):
        """The subquery of each cooperative's latest counted assessment in the target (see latest_counted)."""
        return latest_counted(self.where, self.asked.as_of, current_app.config["BABEL_DEFAULT_TIMEZONE"],
                              self.asked.include_submitted, sections)

    def filename(self, kind, extension):
        slug = re.sub(r"[^a-z0-9]+", "-", self.name.lower()).strip("-")
        return f"siapkop-{kind}-{slug}-{self.asked.as_of.isoformat()}.{extension}"


def score_header(current):
    return [_("Kode wilayah"), _("Kecamatan"), _("Desa/Kelurahan"), _("Koperasi"), _("Tanggal kunjungan"),
            _("Disetujui"), _("Skor"), _("Tingkat"), *(f"{s.code}. {s.title.get('id')}" for s in current.sections)]


def score_rows(target, current):
    """(area code, row) per cooperative of the target, by area (of the target's tier), kecamatan and village
    name: its latest counted assessment's stored scores, or blanks.

    Two streams in the same order, merged here: the cooperatives, and the scored ones with their scores.
    (Joining the two in SQL makes SQLite scan the scores once per cooperative.) Memory stays flat."""
    sections = current.section_codes
    latest = target.latest(sections)
    order = (target.tier.column, District.name, Village.name, Cooperative.id)
    places = joined_to_areas(select(target.tier.column, Cooperative.id, Village.code, District.name, Village.name,
                                    Cooperative.name)).where(*target.where)
    scores = joined_to_areas(select(latest.c.cooperative_id, latest.c.visit_date, latest.c.counted_at, latest.c.score,
                                    latest.c.level, *(latest.c[f"section_{i}"] for i in range(len(sections))))
                             .join(Cooperative, Cooperative.id == latest.c.cooperative_id))
    labels = {level.code: level.label.get("id") for level in current.levels}
    scored = iter(streamed(scores.order_by(*order)))
    score = next(scored, None)
    for area, cooperative_id, *place in streamed(places.order_by(*order)):
        if score is None or score[0] != cooperative_id:
            yield area, [*place, None, None, None, None, *(None for _ in sections)]
            continue
        _, visit, counted_at, total, level, *values = score
        yield area, [*place, visit, to_user_timezone(counted_at).date(), number(total),
                     labels[level], *(number(value) for value in values)]
        score = next(scored, None)


def streamed(statement):
    """The rows of `statement`, fetched a thousand at a time."""
    return db.session.execute(statement.execution_options(yield_per=1000))


def csv_response(filename, header, rows):
    """A CSV streamed row by row (memory stays flat), UTF-8 with a BOM so that Excel reads it right; every cell
    inert (see cells.inert)."""
    def generate():
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        yield "\ufeff"
        for row in chain([header], rows):
            writer.writerow([inert(cell) for cell in row])
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    return Response(stream_with_context(generate()), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})


@bp.get("/exports/scores.<fmt>")
@role_required(ADMIN, SUPERVISOR)
def export_scores(fmt):
    """Readiness scores per cooperative, as CSV or as XLSX (a summary sheet and a sheet per kecamatan)."""
    current = instrument() or abort(404)
    target = Target()
    if fmt == "csv":
        return csv_response(target.filename("skor", "csv"), score_header(current),
                            (row for _, row in score_rows(target, current)))
    if fmt != "xlsx":
        abort(404)
    return xlsx_response(workbook(target, current), target.filename("skor", "xlsx"))


# XlsxWriter's write() turns a string starting with "=" into a formula and one starting with http://,
# external: or mailto: into a link: a cooperative's name would run or link. Every string stays a string;
# numbers are written as numbers all the same.
TEXT_AS_TEXT = {"strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False}
HEADER_FORMAT = {"bold": True, "bg_color": "#eeeeee", "border": 1, "text_wrap": True, "valign": "top"}


def xlsx_response(file, filename):
    """A finished workbook (a file rewound to its start) as a download named `filename`."""
    return send_file(file, as_attachment=True, download_name=filename,
                     mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


# The least width of each fixed column of a score sheet (see score_header), for its values: a village code,
# names, two dates, the score and the level; and the most a section's column takes, its title wrapping.
SCORE_WIDTHS = (15, 16, 20, 42, 12, 12, 7, 12)
SECTION_WIDTH = 14
DATE_FORMAT = "d mmm yyyy"  # 1 Okt 2025: a real date, in any language's Excel unambiguous


def workbook(target, current):
    """The XLSX: headers that read, frozen, with an autofilter; dates as dates; the level and each section's
    score in their level's colour; the summary, then one sheet per area of the target's tier."""
    file = tempfile.TemporaryFile()
    book = xlsxwriter.Workbook(file, {"constant_memory": True, "default_date_format": DATE_FORMAT, **TEXT_AS_TEXT})
    bold = book.add_format(HEADER_FORMAT)
    coloured = {level.code: book.add_format({"bg_color": LEVEL_COLOURS[i], "font_color": "#ffffff"})
                for i, level in enumerate(current.levels)}
    summary_sheet(book, target, current, bold)
    sheets, lines, header = {}, {}, score_header(current)
    widths = [column_width(title, least) for title, least in zip(header, SCORE_WIDTHS)] + \
        [column_width(title, 8, SECTION_WIDTH) for title in header[len(SCORE_WIDTHS):]]
    for area in target.areas:  # in name order, like the summary; rows then arrive area by area
        sheets[area.code] = sheet = book.add_worksheet(sheet_name(area, sheets))
        write_header(sheet, header, bold, widths)
        sheet.freeze_panes(1, 4)
    by_label = {level.label.get("id"): coloured[level.code] for level in current.levels}
    by_score = cache(lambda score: coloured[level_for(current, score)])  # a score has one decimal: few values
    for area, row in score_rows(target, current):
        lines[area] = i = lines.get(area, 0) + 1
        sheet = sheets[area]
        sheet.write_row(i, 0, row[:7])
        sheet.write(i, 7, row[7], by_label.get(row[7]))
        for column, value in enumerate(row[8:], start=8):
            sheet.write(i, column, value, None if value is None else by_score(value))
    for area, sheet in sheets.items():
        sheet.autofilter(0, 0, lines.get(area, 0), len(header) - 1)
    book.close()
    file.seek(0)
    return file


def summary_sheet(book, target, current, bold):
    """The summary: a row per area of the target's tier, then the total (left out of the autofilter)."""
    summary = book.add_worksheet(_("Ringkasan"))
    area_title = {"province": _("Provinsi"), "regency": _("Kabupaten/Kota"), "district": _("Kecamatan")}
    header = [area_title[target.tier.name], _("Koperasi"), _("Dinilai"), _("Cakupan %"), _("Rata-rata"),
              _("Median"), *(level.label.get("id") for level in current.levels), _("Bagian terlemah")]
    widths = [column_width(header[0], 24), *(column_width(title, 8) for title in header[1:])]
    write_header(summary, header, bold, widths)
    summary.freeze_panes(1, 0)
    rows, total = area_rollups(target.areas, target.tier, target.where, target.asked, current)
    for i, (name, r) in enumerate([(a.name, r) for a, r in rows] + [(_("Jumlah"), total)], start=1):
        summary.write_row(i, 0, [name, r.cooperatives, r.assessed, number(r.coverage), number(r.mean), number(r.median),
                                 *(r.levels[code] for code in current.level_codes), ", ".join(r.weakest)])
    summary.autofilter(0, 0, len(rows), len(header) - 1)


def write_header(sheet, header, bold, widths):
    """The header in the first row, each column `widths` wide, the row as tall as its most wrapped title."""
    for column, width in enumerate(widths):
        sheet.set_column(column, column, width)
    sheet.set_row(0, 15 * header_lines(header, widths))
    sheet.write_row(0, 0, header, bold)


def sheet_name(area, taken):
    """The area's name as Excel allows (31 characters, unique): two kecamatan may share a name."""
    name = area.name[:31]
    return name if name not in {sheet.name for sheet in taken.values()} else f"{area.name[:20]} {area.code}"


@bp.get("/exports/answers.csv")
@role_required(ADMIN, SUPERVISOR)
def export_answers():
    """One row per answer of the counted assessments, for analysts: its code and, beside it, its meaning in
    words (Ya, Tidak berlaku, a scale's rubric, a choice's option; left blank for a text, which is words)."""
    current = instrument() or abort(404)
    target = Target()
    latest = target.latest()
    header = [_("Kode wilayah"), _("Kecamatan"), _("Koperasi"), _("Penilaian"), _("Status"), _("Tanggal kunjungan"),
              _("Bagian"), _("Pertanyaan"), _("Jawaban"), _("Arti jawaban"), _("Tidak berlaku")]
    stmt = (joined_to_areas(select(Answer, Assessment, Cooperative, Village, District).join(Answer.assessment)
                            .join(Assessment.cooperative))
            .where(Assessment.id.in_(select(latest.c.assessment_id)), Answer.value.is_not(None) | Answer.not_applicable,
                   *target.where)
            .order_by(Village.code, Assessment.id, Answer.question_code).execution_options(yield_per=1000))

    # Answers repeat (yes, no, 0 to 4): each is put in words once per file. Texts, which do not, never are.
    meaning = cache(lambda code, value, not_applicable: answer_label(current.question(code), value, not_applicable))

    def rows():
        for answer, assessment, cooperative, village, district in db.session.execute(stmt):
            question = current.question(answer.question_code)
            section = current.section_of(answer.question_code).code if question else ""
            words = "" if question is not None and question.type == "text" else \
                meaning(answer.question_code, answer.value, answer.not_applicable)
            yield [village.code, district.name, cooperative.name, str(assessment.id), str(STATUSES[assessment.status]),
                   assessment.visit_date, section, answer.question_code, answer.value, words,
                   "ya" if answer.not_applicable else ""]
    return csv_response(target.filename("jawaban", "csv"), header, rows())
