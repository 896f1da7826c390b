"""POST /assessments/sync: a device's outbox, applied by the rules in merge.py. The facilitator's changes of an
assessment, and the Dinas's attendance at a Bimtek (app/bimtek/attendance.py), each only from its own role."""
from flask import current_app, jsonify, request
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.datastructures import MultiDict

from app.access import is_own, role_required, scope
from app.assessments import bp
from app.assessments.context import LOCKED, NOT_YOURS, refusal
from app.assessments.forms import CONFLICT, ID_REFUSED, StartForm, answer_message
from app.assessments.merge import ASSESSMENT_KINDS, read_batch
from app.assessments.models import Assessment
from app.assessments.service import (NOTE_LIMIT, Conflict, Incomplete, StartConflict, parse_answer, save_answer, save_note,
                                     server_stamp, start, transition)
from app.assessments.workflow import SUBMITTED, NotAllowed
from app.bimtek.attendance import NotMarked, record
from app.cooperatives.models import Cooperative
from app.extensions import db
from app.inputs import MAX_DEPTH, nested_within
from app.instruments.definition import AnswerError
from app.instruments.models import InstrumentVersion
from app.roles import ADMIN, FACILITATOR


class Refused(Exception):
    """An operation that cannot be applied: (reason code, message for the facilitator)."""


@bp.post("/sync")
@role_required(FACILITATOR, ADMIN)
def sync():
    """Apply a batch of offline changes; acknowledge each operation, applied or refused with a reason."""
    payload = json_body()
    if payload is TOO_DEEP:  # refused whole, as a body that is not JSON: one line, not a traceback per level
        current_app.logger.warning("sync: body nested more than %s deep refused (user %s)", MAX_DEPTH, current_user.id)
    ops, malformed = read_batch(None if payload is TOO_DEEP else payload, server_stamp()[0])
    results = [{"seq": r.seq, "ok": False, "reason": r.reason, "message": _("Perubahan ini tidak dapat dibaca.")}
               for r in malformed]
    for op in ops:
        try:
            allowed(op)
            results.append({"seq": op.seq, "ok": True, **APPLY[op.type](op)})
            db.session.commit()
        except Refused as refusal:
            db.session.rollback()
            results.append({"seq": op.seq, "ok": False, "reason": refusal.args[0], "message": refusal.args[1]})
    return jsonify(results=results), 400 if payload is TOO_DEEP else 200


TOO_DEEP = object()


def json_body():
    """The request's JSON (None if it has none), or TOO_DEEP if its lists and objects nest past MAX_DEPTH."""
    try:
        payload = request.get_json(silent=True)
    except RecursionError:  # the parser itself recurses, and gives up at Python's limit
        return TOO_DEEP
    return payload if nested_within(payload) else TOO_DEEP


def allowed(op):
    """Refuse an operation that is not this role's: assessments are the facilitator's, attendance the Dinas's."""
    if op.type in ASSESSMENT_KINDS and current_user.role != FACILITATOR:
        raise Refused("not_allowed", _("Hanya pendamping yang dapat mengirim perubahan penilaian."))
    if op.type == "attendance" and current_user.role != ADMIN:
        raise Refused("not_allowed", _("Hanya Dinas yang dapat mencatat kehadiran."))


def apply_start(op):
    cooperative = db.session.scalar(scope().cooperatives().where(Cooperative.id == op.data["cooperative"]))
    version = db.session.get(InstrumentVersion, op.data.get("version") or 0)
    if cooperative is None or version is None:
        raise Refused("unknown_cooperative", _("Koperasi atau instrumen tidak dikenal."))
    form = StartForm(cooperative, meta={"csrf": False}, formdata=MultiDict({
        "id": str(op.assessment), "visit_date": op.data.get("visit_date") or "",
        "others": "\n".join(str(name) for name in op.data.get("attendees") or [] if name),
        **{key: str(op.data[key]) for key in ("latitude", "longitude", "accuracy_m") if op.data.get(key) is not None}}))
    if not form.validate():
        raise Refused("invalid_start", " ".join(str(e) for errors in form.errors.values() for e in errors))
    try:
        start(form.id.data, cooperative, current_user, version, visit_date=form.visit_date.data,
              attendees=form.attendees(), latitude=form.latitude.data, longitude=form.longitude.data,
              accuracy_m=form.accuracy_m.data)
    except StartConflict:  # whoever holds the id, wherever: the answer an unreadable id gets
        raise Refused("invalid_start", str(ID_REFUSED)) from None
    return {}


def apply_answer(op):
    assessment = own_draft(op)
    question = assessment.instrument.question(op.data["question"])
    if question is None:
        raise Refused("unknown_question", _("Pertanyaan %(code)s tidak ada di instrumen penilaian ini.",
                                            code=op.data["question"]))
    value = op.data.get("value")
    try:
        stored = parse_answer(question, None if value is None else str(value), bool(op.data.get("na")))
    except AnswerError as error:
        raise Refused("invalid_answer", f"{question.code}: {answer_message(error)}") from None
    if save_answer(assessment, question, stored, op.stamp):
        return {"applied": True}
    values, na = assessment.form_values()  # what stands instead, for the phone to show
    return {"applied": False, "value": values.get(question.code), "na": question.code in na}


def apply_note(op):
    assessment = own_draft(op)
    if op.data["section"] not in {s.code for s in assessment.instrument.sections}:
        raise Refused("unknown_section", _("Bagian %(code)s tidak ada.", code=op.data["section"]))
    return {"applied": save_note(assessment, op.data["section"], op.data["text"].strip()[:NOTE_LIMIT], op.stamp)}


def apply_submit(op):
    assessment = own(op)
    if not assessment.editable:
        return {"status": assessment.status}  # already submitted: a replay changes nothing
    try:
        transition(assessment, "submit", current_user, assessment.version)
    except Incomplete as incomplete:
        raise Refused("incomplete", _("Belum dikirim: masih ada jawaban wajib yang kosong (%(codes)s).",
                                      codes=", ".join(incomplete.args[0].missing))) from None
    except (Conflict, NotAllowed):
        raise Refused("conflict", str(CONFLICT)) from None
    return {"status": SUBMITTED}


def own(op):
    """The operation's assessment, if it is this facilitator's; refused otherwise."""
    assessment = db.session.scalar(scope().assessments().where(Assessment.id == op.assessment))
    if assessment is None or not is_own(assessment):
        raise Refused(NOT_YOURS, _("Penilaian ini tidak ditemukan atau milik pendamping lain."))
    return assessment


def own_draft(op):
    """The operation's assessment, if this facilitator may change it now (context.refusal); refused
    otherwise with the reason, where a page would show an error (context.check_own_draft)."""
    assessment = own(op)
    if refusal(assessment) == LOCKED:
        raise Refused(LOCKED, _("Penilaian ini sudah dikirim dan terkunci."))
    return assessment


def apply_attendance(op):
    """A tap on the attendance page: stored if it is the later change (presence.stands), refused if the person
    is not registered for that session in the user's area or the day is not one of the session's."""
    try:
        applied, present = record(op.data["session"], op.data["participant"], op.data["day"], op.data["present"],
                                  op.ts, current_user.id)
    except NotMarked as refusal:
        raise Refused(*refusal.args) from None
    return {"applied": applied, "present": present}


APPLY = {"start": apply_start, "answer": apply_answer, "note": apply_note, "submit": apply_submit,
         "attendance": apply_attendance}
