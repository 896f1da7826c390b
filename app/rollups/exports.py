"""Exports for the regency (the user's area), a kecamatan or a Bimtek session: CSV, XLSX, and answers CSV."""
import csv
import io
import re
import tempfile
from itertools import chain

import xlsxwriter
from flask import Response, abort, request, send_file, stream_with_context
from flask_babel import gettext as _
from flask_babel import to_user_timezone
from sqlalchemy import select

from app.access import role_required, scope
from app.assessments.models import STATUSES, Answer, Assessment
from app.auth.models import ADMIN, SUPERVISOR
from app.bimtek.models import BimtekSession
from app.cooperatives.models import Cooperative
from app.extensions import db
from app.inputs import id_number
from app.regions.models import District, Regency, Village
from app.rollups import bp
from app.rollups.view import LEVEL_COLOURS, Asked, district_rollups, instrument, latest_in



def number(value):
    """A score for a file: one decimal, and a whole number when it is one."""
    if value is None:
        return None
    value = round(value, 1)
    return int(value) if value == int(value) else value


class Target:
    """What to export: the user's area, one kecamatan (?district=) or one Bimtek session (?session=)."""

    def __init__(self):
        area = scope()
        self.where, default = [area.district_clause()], None
        if request.args.get("session"):
            session = db.one_or_404(BimtekSession.covering(area.district_clause())
                                    .where(BimtekSession.id == request.args.get("session", type=id_number)))
            self.where.append(District.code.in_(session.district_codes))
            self.name, default = f"bimtek-{session.held_on.isoformat()}-{session.title}", session.readiness_date
        elif request.args.get("district"):
            district = db.one_or_404(area.districts().where(District.code == request.args["district"]))
            self.where.append(District.code == district.code)
            self.name = f"kec-{district.name}"
        else:
            regency = db.session.scalar(select(Regency.name).join(District).where(*self.where).limit(1))
            self.name = regency or "wilayah"
        self.asked = Asked.from_request(default=default)
        self.districts = db.session.scalars(area.districts().where(*self.where[1:])).all()

    def filename(self, kind, extension):
        slug = re.sub(r"[^a-z0-9]+", "-", self.name.lower()).strip("-")
        return f"siapkop-{kind}-{slug}-{self.asked.as_of.isoformat()}.{extension}"


def score_header(current):
    return [_("Kode wilayah"), _("Kecamatan"), _("Desa/Kelurahan"), _("Koperasi"), _("Tanggal kunjungan"),
            _("Disetujui"), _("Skor"), _("Tingkat"), *(f"{s.code}. {s.title.get('id')}" for s in current.sections)]


def score_rows(where, asked, current):
    """One row per cooperative in `where`: its latest counted assessment's stored scores, or blanks."""
    latest = latest_in(where, asked)
    rows = db.session.execute(Cooperative.listing().where(*where).execution_options(yield_per=500)).scalars()
    for cooperative in rows:
        l = latest.get(cooperative.id)  # noqa: E741
        place = [cooperative.village_code, cooperative.village.district.name, cooperative.village.name, cooperative.name]
        if l is None:
            yield [*place, None, None, None, None, *(None for _ in current.sections)]
        else:
            row = l.current
            yield [*place, row.visit_date.isoformat(), to_user_timezone(row.counted_at).date().isoformat(), number(row.score),
                   current.level(row.level).label.get("id"), *(number(row.sections.get(s.code)) for s in current.sections)]


def csv_response(filename, header, rows):
    """A CSV streamed row by row (memory stays flat), UTF-8 with a BOM so that Excel reads it right."""
    def generate():
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        yield "\ufeff"
        for row in chain([header], rows):
            writer.writerow(row)
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
                            score_rows(target.where, target.asked, current))
    if fmt != "xlsx":
        abort(404)
    return send_file(workbook(target, current), as_attachment=True, download_name=target.filename("skor", "xlsx"),
                     mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


def workbook(target, current):
    """The XLSX: frozen headers, a colour per level, the summary, then one sheet per kecamatan."""
    levels, sections = current.level_codes, current.section_codes
    file = tempfile.TemporaryFile()
    book = xlsxwriter.Workbook(file, {"constant_memory": True, "default_date_format": "yyyy-mm-dd"})
    bold = book.add_format({"bold": True, "bg_color": "#eeeeee", "border": 1})
    coloured = {level.label.get("id"): book.add_format({"bg_color": LEVEL_COLOURS[i], "font_color": "#ffffff"})
                for i, level in enumerate(current.levels)}
    summary = book.add_worksheet(_("Ringkasan"))
    header = [_("Kecamatan"), _("Koperasi"), _("Dinilai"), _("Cakupan %"), _("Rata-rata"), _("Median"),
              *(level.label.get("id") for level in current.levels), _("Bagian terlemah")]
    summary.write_row(0, 0, header, bold)
    summary.freeze_panes(1, 0)
    rows, total = district_rollups(target.districts, target.where, target.asked, levels, sections)
    for i, (name, r) in enumerate([(d.name, r) for d, r in rows] + [(_("Jumlah"), total)], start=1):
        summary.write_row(i, 0, [name, r.cooperatives, r.assessed, number(r.coverage), number(r.mean), number(r.median),
                                 *(r.levels[code] for code in levels), ", ".join(r.weakest)])
    header = score_header(current)
    for district in target.districts:
        sheet = book.add_worksheet(district.name[:31])
        sheet.write_row(0, 0, header, bold)
        sheet.freeze_panes(1, 4)
        where = [*target.where, District.code == district.code]
        for i, row in enumerate(score_rows(where, target.asked, current), start=1):
            sheet.write_row(i, 0, row)
            if row[7] in coloured:
                sheet.write(i, 7, row[7], coloured[row[7]])
    book.close()
    file.seek(0)
    return file


@bp.get("/exports/answers.csv")
@role_required(ADMIN, SUPERVISOR)
def export_answers():
    """One row per answer of the counted assessments, for analysts."""
    current = instrument() or abort(404)
    target = Target()
    counted = {row.current.assessment_id for row in latest_in(target.where, target.asked).values()}
    header = [_("Kode wilayah"), _("Kecamatan"), _("Koperasi"), _("Penilaian"), _("Status"), _("Tanggal kunjungan"),
              _("Bagian"), _("Pertanyaan"), _("Jawaban"), _("Tidak berlaku")]
    stmt = (select(Answer, Assessment, Cooperative, Village, District).join(Answer.assessment)
            .join(Assessment.cooperative).join(Cooperative.village).join(Village.district)
            .where(Assessment.id.in_(counted), Answer.value.is_not(None) | Answer.not_applicable, *target.where)
            .order_by(Village.code, Assessment.id, Answer.question_code).execution_options(yield_per=1000))

    def rows():
        for answer, assessment, cooperative, village, district in db.session.execute(stmt):
            section = current.section_of(answer.question_code).code if current.question(answer.question_code) else ""
            yield [village.code, district.name, cooperative.name, str(assessment.id), str(STATUSES[assessment.status]),
                   assessment.visit_date.isoformat(), section, answer.question_code, answer.value,
                   "ya" if answer.not_applicable else ""]
    return csv_response(target.filename("jawaban", "csv"), header, rows())

